"""Fast importance-weighted (IWAE) log-likelihoods for the literature's test protocol.

The literature reports -log p(x) on all 10,000 binarised MNIST test images with k = 5000
importance samples (Burda et al. 2016, IWAE; Tomczak & Welling 2018, VampPrior). That is
50 million decoder passes per model, so the model's own ``log_likelihood`` (eager Keras,
one Python step per chunk) is too slow on a CPU. This module computes the same estimator
with one graph per call that maps ``(images[, labels], noise)`` to the importance
log-weights ``log p(x|z) + log p(z) - log q(z|x)``: the model's own
``importance_log_weights`` (no second copy of the maths; M1+M2 draws z1 and z2 from one
noise vector), run by one of three engines:

- ``"keras"``: that function called eagerly (the reference);
- ``"tf"``: the same function compiled once with ``tf.function`` (TensorFlow backend);
- ``"onnx"``: the same ``tf.function`` converted by tf2onnx and run in onnxruntime
  (needs ``keras-vae[export]``).

The exported *decoder* graph of ``keras-vae export`` returns the likelihood's mean image,
not its logits; ``log(1 - sigmoid(l))`` from a float32 mean is -inf once a pixel is
confidently on, so the engines convert the log-weight graph instead.

Noise is numpy's: image ``i`` (and class ``y`` when the label is summed out) draws its
k standard-normal vectors from ``default_rng([seed, i])`` (``[seed, i, y]``), so a figure
does not depend on the batch size, the engine or the subset, and the first k draws of a
larger k are the k draws of the smaller one. The log-sum-exp over k is in float64.
"""

import math
import time

import numpy as np

ENGINES = ("keras", "tf", "onnx")
# Decoder evaluations per engine call: large enough to amortise the call, small enough
# for a few MB of activations per conv layer.
DECODES_PER_CALL = 4096


def _noise_rngs(seed, indices, label=None):
    extra = [] if label is None else [int(label)]
    return [np.random.default_rng([int(seed), int(i)] + extra) for i in indices]


class LogWeights:
    """Importance log-weights of a model, ``(x, labels, noise) -> (samples, batch)`` float32 arrays.

    Args:
        model: a keras_vae model (TensorFlow backend for ``"tf"`` and ``"onnx"``).
        engine: one of ``ENGINES``.

    Example:
    >>> lw = LogWeights(model, "onnx")
    >>> log_w = lw(images[:8], None, np.random.default_rng(0).standard_normal((100, 8, model.noise_dim)))
    """

    def __init__(self, model, engine="tf"):
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
        import keras

        if engine != "keras" and keras.backend.backend() != "tensorflow":
            raise ValueError(f"engine {engine!r} needs the TensorFlow backend; use engine='keras' "
                             f"under {keras.backend.backend()}")
        self.model, self.engine = model, engine
        self.conditional = bool(model.conditional)
        self._run = {"keras": self._eager, "tf": self._compiled, "onnx": self._onnx}[engine]()

    def _body(self, x, labels, noise):
        return self.model.importance_log_weights(x, labels, noise)

    def _eager(self):
        from keras import ops

        def run(x, labels, noise):
            y = None if labels is None else ops.convert_to_tensor(labels, "int32")
            return ops.convert_to_numpy(self._body(ops.convert_to_tensor(x), y, ops.convert_to_tensor(noise)))

        return run

    def _signature(self):
        import tensorflow as tf

        specs = [tf.TensorSpec((None,) + tuple(self.model.image_shape), tf.float32, name="image")]
        if self.conditional:
            specs.append(tf.TensorSpec((None,), tf.int32, name="label"))
        specs.append(tf.TensorSpec((None, None, self.model.noise_dim), tf.float32, name="noise"))
        return specs

    def _function(self):
        import tensorflow as tf

        if self.conditional:
            body = lambda x, y, e: {"log_w": self._body(x, y, e)}  # noqa: E731
        else:
            body = lambda x, e: {"log_w": self._body(x, None, e)}  # noqa: E731
        return tf.function(body, input_signature=self._signature(), autograph=False)

    def _inputs(self, x, labels, noise):
        x = np.asarray(x, "float32")
        noise = np.asarray(noise, "float32")
        return [x, np.asarray(labels, "int32"), noise] if self.conditional else [x, noise]

    def _compiled(self):
        function = self._function()
        return lambda x, labels, noise: function(*self._inputs(x, labels, noise))["log_w"].numpy()

    def _onnx(self):
        from keras_vae import extras

        extras.require(["tf2onnx", "onnx", "onnxruntime"], "the onnx IWAE engine")
        import logging

        import onnxruntime as ort
        import tf2onnx

        from keras_vae.export.onnx import DEFAULT_OPSET

        logging.getLogger("tf2onnx").setLevel(logging.WARNING)
        proto, _ = tf2onnx.convert.from_function(self._function(), input_signature=self._signature(),
                                                 opset=DEFAULT_OPSET)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        session = ort.InferenceSession(proto.SerializeToString(), sess_options=options,
                                       providers=["CPUExecutionProvider"])
        names = [i.name for i in session.get_inputs()]
        return lambda x, labels, noise: session.run(["log_w"], dict(zip(names, self._inputs(x, labels, noise))))[0]

    def __call__(self, x, labels, noise):
        """Log-weights of shape (samples, batch) for noise of shape (samples, batch, model.noise_dim)."""
        return self._run(x, labels, noise)


def _logmeanexp(log_w):
    peak = log_w.max(axis=0)
    return peak + np.log(np.exp(log_w - peak).sum(axis=0)) - math.log(len(log_w))


def iwae_log_px(log_weights, x, labels=None, indices=None, k=1000, seed=0, class_label=None,
                decodes_per_call=DECODES_PER_CALL, on_progress=None, ks=None):
    """IWAE estimates of log p(x[|y]) per image: ``logsumexp_k log w - log k``, summed in float64.

    Args:
        log_weights: a ``LogWeights``.
        x: images (n, *image_shape).
        labels: class ids (n,) for a conditional model, else None.
        indices: each image's test-set index, which keys its noise (default: 0..n-1).
        k: importance samples per image.
        seed: the noise seed.
        class_label: the class key of the noise when a label is summed out (see module doc).
        decodes_per_call: decoder evaluations per engine call.
        on_progress: called with the number of decoder passes after each call.
        ks: smaller sample counts to report as well, each from the first draws of the k
            (paired estimates: the same images and noise).

    Returns:
        float64 array (n,); with ``ks``, a dict {k: array} for k and each of ``ks``.
    """
    ks = sorted({int(k)} | {int(v) for v in (ks or ()) if 0 < int(v) <= k}) if ks is not None else None
    n = len(x)
    indices = np.arange(n) if indices is None else np.asarray(indices)
    noise_dim = log_weights.model.noise_dim
    # Images per batch: all k draws of a batch are decoded in calls of ~decodes_per_call.
    batch = max(1, min(n, 256, decodes_per_call))
    kc = max(1, min(k, decodes_per_call // batch))
    out = {kk: np.empty(n, "float64") for kk in (ks or [k])}
    for start in range(0, n, batch):
        s = slice(start, start + batch)
        xb, yb = x[s], None if labels is None else labels[s]
        rngs = _noise_rngs(seed, indices[s], class_label)
        parts = []
        for k0 in range(0, k, kc):
            m = min(kc, k - k0)
            noise = np.stack([r.standard_normal((m, noise_dim), dtype=np.float32) for r in rngs], axis=1)
            parts.append(np.asarray(log_weights(xb, yb, noise), "float64"))
            if on_progress is not None:
                on_progress(m * len(rngs))
        log_w = np.concatenate(parts, axis=0)
        for kk, values in out.items():
            values[s] = _logmeanexp(log_w[:kk])
    return out if ks is not None else out[k]


def log_px(model, x, labels=None, indices=None, k=1000, seed=0, engine="tf", decodes_per_call=DECODES_PER_CALL,
           on_progress=None, log_weights=None, ks=None):
    """IWAE log p(x) per image (float64), or log p(x|y) for a conditional model given ``labels``.

    A model that infers missing labels (``labels_optional``, M2) without ``labels`` is
    scored on the marginal ``log p(x) = logsumexp_y [log p(y) + log p(x|y)]`` with a uniform
    p(y), the sum over y exact and each log p(x|y) an IWAE estimate (``num_classes * k``
    decoder passes per image), as ``SemiSupervisedVAE.log_likelihood`` does. With ``ks``,
    a dict {k: array} of paired estimates (see ``iwae_log_px``).

    Example:
    >>> log_p = log_px(keras_vae.zoo.load("dense_mnist"), images, k=1000, engine="onnx")
    """
    log_weights = log_weights or LogWeights(model, engine)
    kwargs = dict(indices=indices, k=k, seed=seed, decodes_per_call=decodes_per_call, on_progress=on_progress,
                  ks=ks)
    if model.conditional and labels is None and getattr(model, "labels_optional", False):
        c = model.num_classes
        per_class = [iwae_log_px(log_weights, x, np.full(len(x), y, "int32"), class_label=y, **kwargs)
                     for y in range(c)]
        if ks is None:
            return _logmeanexp(np.stack(per_class))
        return {kk: _logmeanexp(np.stack([p[kk] for p in per_class])) for kk in per_class[0]}
    if model.conditional and labels is None:
        raise ValueError(f"{type(model).__name__} is conditional: log p(x|y) needs labels")
    return iwae_log_px(log_weights, x, None if not model.conditional else labels, **kwargs)


def throughput(model, x, labels=None, engine="tf", k=100, seconds=5.0, decodes_per_call=DECODES_PER_CALL):
    """Importance samples (decoder passes) per second of an engine, after one warm-up call.

    Returns:
        ``(samples_per_second, setup_seconds)``; setup is the graph build or conversion.
    """
    start = time.perf_counter()
    lw = LogWeights(model, engine)
    iwae_log_px(lw, x[:1], None if labels is None else labels[:1], k=min(k, 8), decodes_per_call=decodes_per_call)
    setup = time.perf_counter() - start
    done, start = 0, time.perf_counter()
    while True:
        iwae_log_px(lw, x, labels, k=k, decodes_per_call=decodes_per_call)
        done += len(x) * k
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed, setup
