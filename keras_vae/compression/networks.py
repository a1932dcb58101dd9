"""The model as the coders see it: per-image posterior and likelihood parameters, and an identity.

Bits-back coding is sequential (each image's latent is popped from the bits the previous
images left), so the networks run one image at a time, and the encoding and decoding
sides must get bit-identical floats. ``model_functions`` is the ONE place that calls the
model's sub-models: both sides call the same two compiled functions at batch 1, so they
run the same kernels on the same shapes. (Compiled, a batch-1 call of conv_mnist's decoder
takes ~1 ms here against ~36 ms eager and ~200 ms with ``predict``:
``python benchmarks/compression.py --latency``.)
"""

import hashlib
import weakref

import numpy as np

_FUNCTIONS = weakref.WeakKeyDictionary()  # model -> its compiled functions, traced once per model


def check_codable(model):
    """Raises ValueError unless ``model`` is an unconditional VAE with Bernoulli pixels."""
    likelihood = getattr(model, "likelihood", None)
    if getattr(likelihood, "name", None) != "bernoulli":
        name = getattr(likelihood, "name", type(likelihood).__name__)
        raise ValueError(
            f"lossless compression needs a discrete likelihood; this model's is {name!r}. Only Bernoulli "
            "(binarised-image) models can code losslessly: no shipped recipe has a discrete likelihood for "
            "8-bit images"
        )
    if getattr(model, "num_classes", None) is not None:
        raise ValueError("compression supports unconditional models only; this model is conditional on labels")
    if model.context_input() is not None:
        # Coding would need each pixel's probability from the pixels before it: 784 sequential
        # decoder passes per image on both sides, not one p(x|z) from z alone.
        raise ValueError(f"compression needs p(x|z) from z alone; {type(model).__name__}'s decoder is "
                         "autoregressive (it reads the image), which the coders do not support")


def model_functions(model):
    """``(posterior, logits)``: numpy-in, numpy-out functions over a batch.

    ``posterior(x)`` maps images ``(n, *image_shape)`` float32 to ``(z_mean, z_log_var)``,
    each float32 ``(n, latent_dim)``; ``logits(z)`` maps latents ``(n, latent_dim)`` float32 to
    the Bernoulli logits, float32 ``(n, *image_shape)``. Bits-back calls them at ``n = 1`` on
    both sides; the lossy codec in batches.

    This adapter is the only code that touches ``model.encoder`` / ``model.decoder``.
    """
    if model not in _FUNCTIONS:
        _FUNCTIONS[model] = _compile(model)
    return _FUNCTIONS[model]


def _compile(model):
    import keras

    def encode(x):
        return model.encoder([x], training=False)

    def decode(z):
        return model.decoder([z], training=False)

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        encode = tf.function(encode, reduce_retracing=True)
        decode = tf.function(decode, reduce_retracing=True)

    def posterior(x):
        z_mean, z_log_var = encode(np.asarray(x, "float32"))
        return np.asarray(z_mean, "float32"), np.asarray(z_log_var, "float32")

    def logits(z):
        return np.asarray(decode(np.asarray(z, "float32")), "float32")

    return posterior, logits


def weights_fingerprint(model):
    """sha256 of the encoder's and decoder's weight values (dtype, shape and bytes of each, in order).

    It identifies the exact floats the coder depends on, for a zoo model or any other (the
    model's random-seed state is left out: sampling must not change the identity).
    """
    digest = hashlib.sha256()
    for w in list(model.encoder.weights) + list(model.decoder.weights):
        value = np.ascontiguousarray(np.asarray(w.numpy() if hasattr(w, "numpy") else w))
        digest.update(f"{value.dtype.str}{value.shape}".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()
