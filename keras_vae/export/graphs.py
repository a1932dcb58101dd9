"""The deterministic, named functions every export format carries.

``encoder``: image[, label] -> z_mean, z_log_var
``decoder``: z[, label] -> image_mean (the likelihood's mean, e.g. sigmoid(logits))
``scorer``: image[, label], noise -> score, reconstruction

A family whose decoder has a context (``model.context_input()`` is not None: an
autoregressive decoder teacher-forced on the data, PixelVAE's PixelCNN head or
SequenceVAE's GRU) has no ``decoder`` graph: from z alone it generates one pixel or token
per decoder pass in a Python loop, which no single graph expresses. Its encoder and
scorer are single passes (``bound_terms`` feeds the decoder ``decoder_context(x)``) and
are exported like every other family's; ``left_out`` gives the reason the manifest records.

The scorer evaluates the negative ELBO at ``z = z_mean + exp(z_log_var / 2) * noise``:
``score = -log p(x|z) + KL(q(z|x) || p(z))`` per example, in nats. Passing zeros as
``noise`` scores at the posterior mean; passing N(0, I) draws gives the usual one-sample
estimate. Noise is an input so that no exported graph holds a random op: every artifact
is a pure function of its inputs, reproducible and comparable across runtimes.
"""

import dataclasses
import math

from keras import ops

from keras_vae.models import checks
from keras_vae.runtime.manifest import GraphIO

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
class Graph(GraphIO):
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


def left_out(model):
    """{graph name: why it is not exported} for ``model`` (empty for most families).

    A class may state its own reason in ``decoder_export_refusal``; otherwise one is
    derived from its decoder context (the number of sequential decoder passes).

    Args:
        model: a ``keras_vae.models.VAE``.
    """
    if model.context_input() is None:
        return {}
    reason = getattr(model, "decoder_export_refusal", None)
    if not reason:
        cls = type(model).__name__
        if checks.is_token_model(model):
            steps = f"max_length = {model.max_length} sequential decoder steps (one per token)"
        else:
            steps = f"height x width = {math.prod(model.image_shape[:2])} sequential decoder passes (one per pixel)"
        reason = (
            f"{cls}'s decoder is autoregressive: generating from z takes {steps} in a Python loop "
            f"({cls}.generate), which no single exported graph expresses; the encoder and the "
            "scorer (teacher-forced on the data, one pass) are exported"
        )
    return {"decoder": reason}


def _reconstruction_shape(model, image_shape):
    # The likelihood's mean has the data's shape, except a categorical one: token
    # probabilities (batch, length, vocabulary).
    if model.likelihood.name == "categorical":
        return tuple(image_shape) + (int(model.decoder.output.shape[-1]),)
    return tuple(image_shape)


def build_graphs(model):
    """The ``encoder``, ``decoder`` and ``scorer`` graphs of a keras_vae model.

    Args:
        model: a ``keras_vae.models.VAE``.

    Returns:
        dict of graph name -> ``Graph``, in the order encoder, decoder, scorer; without
        the graphs ``left_out(model)`` names.
    """
    image = TensorInfo("image", (None,) + tuple(model.image_shape))
    latent = (None, model.latent_dim)
    label = _label(model)

    def _split(inputs):
        return inputs[0], (inputs[1] if model.conditional else None)

    def encode(*inputs):
        z_mean, z_log_var = model.posterior(*_split(inputs))
        return {"z_mean": z_mean, "z_log_var": z_log_var}

    def decode(*inputs):
        return {"image_mean": model.likelihood.mean(model.decode_params(*_split(inputs)))}

    def score(*inputs):
        x, labels = _split(inputs)
        nll, kl, params = model.bound_terms(x, labels, noise=inputs[-1])
        return {"score": nll + kl, "reconstruction": model.likelihood.mean(params)}

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
            [TensorInfo("score", (None,)), TensorInfo("reconstruction", _reconstruction_shape(model, image.shape))],
            score,
        ),
    ]
    skipped = left_out(model)
    return {g.name: g for g in graphs if g.name not in skipped}
