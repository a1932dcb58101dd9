"""The three deterministic, named functions every export format carries.

``encoder``: image[, label] -> z_mean, z_log_var
``decoder``: z[, label] -> image_mean (the likelihood's mean, e.g. sigmoid(logits))
``scorer``: image[, label], noise -> score, reconstruction

The scorer evaluates the negative ELBO at ``z = z_mean + exp(z_log_var / 2) * noise``:
``score = -log p(x|z) + KL(q(z|x) || p(z))`` per example, in nats. Passing zeros as
``noise`` scores at the posterior mean; passing N(0, I) draws gives the usual one-sample
estimate. Noise is an input so that no exported graph holds a random op: every artifact
is a pure function of its inputs, reproducible and comparable across runtimes.
"""

import dataclasses

from keras import ops

from keras_vae import likelihoods

# Graph name -> serving signature key (SavedModel and TFLite). Verbs read naturally
# in `signatures["encode"]`; nouns name the files (`encoder.onnx`).
SIGNATURES = {"encoder": "encode", "decoder": "decode", "scorer": "score"}


@dataclasses.dataclass(frozen=True)
class TensorInfo:
    """Name, shape (None for the dynamic batch axis) and dtype of one graph input or output."""

    name: str
    shape: tuple
    dtype: str = "float32"

    def to_dict(self):
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype}


@dataclasses.dataclass(frozen=True)
class Graph:
    """One exported function.

    Args:
        name: ``"encoder"``, ``"decoder"`` or ``"scorer"``; also the artifact file stem.
        signature: serving signature key (``"encode"``, ``"decode"``, ``"score"``).
        description: one line for the manifest.
        inputs: ``TensorInfo`` of each positional input, in call order.
        outputs: ``TensorInfo`` of each output; the function returns a dict keyed by name.
        function: a ``tf.function`` with a fixed input signature (dynamic batch).
    """

    name: str
    signature: str
    description: str
    inputs: tuple
    outputs: tuple
    function: object

    @property
    def input_names(self):
        return [t.name for t in self.inputs]

    @property
    def output_names(self):
        return [t.name for t in self.outputs]

    def input_signature(self):
        import tensorflow as tf

        return [tf.TensorSpec(t.shape, t.dtype, name=t.name) for t in self.inputs]

    def reference(self, feed):
        """Runs the Keras model eagerly (no tracing) on ``feed`` ({input name: array}).

        Args:
            feed: numpy arrays keyed by input name.

        Returns:
            {output name: numpy array}.
        """
        args = [ops.convert_to_tensor(feed[t.name], t.dtype) for t in self.inputs]
        out = self.function.python_function(*args)
        return {name: ops.convert_to_numpy(out[name]) for name in self.output_names}

    def to_dict(self):
        return {
            "description": self.description,
            "signature": self.signature,
            "inputs": [t.to_dict() for t in self.inputs],
            "outputs": [t.to_dict() for t in self.outputs],
        }


def _label(model):
    return [TensorInfo("label", (None,), "int32")] if model.conditional else []


def _make(name, description, inputs, outputs, body):
    import tensorflow as tf

    graph = Graph(name, SIGNATURES[name], description, tuple(inputs), tuple(outputs), None)
    # *args keeps one body for the one- and two-input variants; the TensorSpec names
    # become the signature's input keys in SavedModel, TFLite and ONNX alike.
    function = tf.function(body, input_signature=graph.input_signature(), autograph=False)
    return dataclasses.replace(graph, function=function)


def build_graphs(model):
    """The ``encoder``, ``decoder`` and ``scorer`` graphs of a keras_vae model.

    Args:
        model: a ``keras_vae.models.VAE``.

    Returns:
        dict of graph name -> ``Graph``, in the order encoder, decoder, scorer.
    """
    image = TensorInfo("image", (None,) + tuple(model.image_shape))
    latent = (None, model.latent_dim)
    label = _label(model)

    def encode(*inputs):
        z_mean, z_log_var = model.encoder(list(inputs), training=False)
        return {"z_mean": z_mean, "z_log_var": z_log_var}

    def decode(*inputs):
        params = model.decoder(list(inputs), training=False)
        return {"image_mean": model.likelihood.mean(params)}

    def score(*inputs):
        x, conditioning, noise = inputs[0], list(inputs[1:-1]), inputs[-1]
        z_mean, z_log_var = model.encoder([x] + conditioning, training=False)
        z = z_mean + ops.exp(0.5 * z_log_var) * noise
        params = model.decoder([z] + conditioning, training=False)
        nll = -model.log_px(x, params)
        return {
            "score": nll + likelihoods.gaussian_kl(z_mean, z_log_var),
            "reconstruction": model.likelihood.mean(params),
        }

    graphs = [
        _make(
            "encoder", "posterior q(z|x) parameters",
            [image] + label,
            [TensorInfo("z_mean", latent), TensorInfo("z_log_var", latent)],
            encode,
        ),
        _make(
            "decoder", f"mean image E[x|z] of the {model.likelihood.name} likelihood",
            [TensorInfo("z", latent)] + label,
            [TensorInfo("image_mean", image.shape)],
            decode,
        ),
        _make(
            "scorer",
            "anomaly score: negative ELBO in nats at z = z_mean + exp(z_log_var/2) * noise "
            "(zeros: posterior mean), and the reconstruction at that z",
            [image] + label + [TensorInfo("noise", latent)],
            [TensorInfo("score", (None,)), TensorInfo("reconstruction", image.shape)],
            score,
        ),
    ]
    return {g.name: g for g in graphs}
