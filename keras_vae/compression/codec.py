"""``compress`` / ``decompress``: images to ``.kvz`` bytes and back, with a keras_vae model.

Lossless (the default) is bits-back coding (``keras_vae.compression.bitsback``) and needs a
Bernoulli model and binary images: 0/1 pixels of any bool, integer or float dtype. 8-bit
grey images would need a discrete likelihood over 256 levels (a discretised logistic or a
beta-binomial); no shipped recipe has one, so they are refused. Lossy coding
(``lossy_step=...``, ``keras_vae.compression.lossy``) takes images in [0, 1] and decodes
to the model's mean image.

The file records the model (name, shipped-weights sha256, a fingerprint of the weight
values): decompressing with another model is an error, never garbage.

Example:
>>> from keras_vae import zoo
>>> from keras_vae.compression import compress, decompress
>>> model = zoo.load("conv_mnist")
>>> blob = compress(model, images, name="conv_mnist")      # images: (n, 28, 28, 1) of 0/1
>>> restored = decompress(model, blob, name="conv_mnist")
>>> bool((restored == images).all())
True
"""

import hashlib

import numpy as np

from keras_vae.compression import bitsback, container, lossy, networks
from keras_vae.compression.container import CompressedFileError
from keras_vae.compression.latents import DEFAULT_LATENT_BITS
from keras_vae.models import checks


def check_binary_images(images, image_shape):
    """Validates binary images; returns ``(uint8 0/1 array, dtype name)``.

    Raises:
        ValueError: not array-like, empty, a wrong shape or dtype, non-finite, or not 0/1
            (8-bit grey images are named as such).
    """
    arr = np.asarray(images)
    if arr.dtype == object or not (arr.dtype == bool or np.issubdtype(arr.dtype, np.number)):
        raise ValueError(f"images must be a numeric or bool array, got dtype {arr.dtype}")
    if arr.ndim >= 1 and arr.shape[0] == 0:
        raise ValueError("no images to compress: the input is empty")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"images must be real-valued, got dtype {arr.dtype}")
    values = checks.check_images(arr.astype("float32"), image_shape)  # shape and finiteness
    binary = (values == 0) | (values == 1)
    if not binary.all():
        lo, hi = float(values.min()), float(values.max())
        if hi > 1 and np.all(values == np.round(values)):
            raise ValueError(
                f"images look 8-bit (integer values up to {hi:g}): lossless coding supports binarised images "
                "(0/1 pixels) only; no shipped recipe has a discrete likelihood for 8-bit images"
            )
        raise ValueError(
            f"lossless coding needs binary images (0/1 pixels); got values in [{lo:.4g}, {hi:.4g}], "
            f"{int((~binary).sum())} of them neither 0 nor 1"
        )
    return values.astype(np.uint8), arr.dtype.str


def _images_sha256(bits):
    return hashlib.sha256(np.packbits(bits.reshape(-1)).tobytes()).hexdigest()


def model_identity(model, name=None):
    """What the file records about the model, and what decompressing checks against."""
    identity = {
        "name": name,
        "class": type(model).__name__,
        "latent_dim": int(model.latent_dim),
        "image_shape": list(model.image_shape),
        "likelihood": model.likelihood.name,
        "weights_fingerprint": networks.weights_fingerprint(model),
        "weights_sha256": None,
    }
    if name is not None:
        from keras_vae import zoo

        if name in zoo.list():
            card = zoo.card(name)
            identity["weights_sha256"] = card["weights_sha256"] if card else None
    return identity


def _check_model(header, model, name):
    recorded = header.get("model") or {}
    if name is not None and recorded.get("name") is not None and recorded["name"] != name:
        raise CompressedFileError(
            f"this file was compressed with model {recorded['name']!r}, not {name!r}: decompress it with "
            f"{recorded['name']!r}"
        )
    if recorded.get("weights_fingerprint") != networks.weights_fingerprint(model):
        what = repr(recorded.get("name")) if recorded.get("name") else f"a {recorded.get('class')} model"
        raise CompressedFileError(
            f"this file was compressed with {what} whose weights differ from the given model's "
            f"(fingerprint {str(recorded.get('weights_fingerprint'))[:12]}...): decompress it with that model"
        )


def compress(model, images, name=None, latent_bits=DEFAULT_LATENT_BITS, lossy_step=None, entropy_model="fitted",
             stats=None):
    """Compresses ``images`` with ``model`` into ``.kvz`` bytes.

    Args:
        model: a keras_vae model (unconditional; Bernoulli for lossless coding).
        images: ``(n, *model.image_shape)``; lossless: 0/1 pixels (bool, integer or float);
            lossy: floats in [0, 1].
        name: the model's zoo name, recorded (and checked when decompressing).
        latent_bits: lossless: bits per latent dimension (``2**latent_bits`` equal-mass buckets).
        lossy_step: if set, lossy coding of the posterior means on a grid of this step.
        entropy_model: lossy only: ``"fitted"`` or ``"prior"`` (``keras_vae.compression.lossy``).
        stats: optional dict, filled with the coder's figures (bits, ideal information content).

    Returns:
        bytes of a ``.kvz`` file.
    """
    networks.check_codable(model)
    posterior, logits = networks.model_functions(model)
    header = {"model": model_identity(model, name), "shape": list(model.image_shape)}
    if lossy_step is None:
        bits, dtype = check_binary_images(images, model.image_shape)
        words, figures = bitsback.encode(posterior, logits, bits, latent_bits, stats=True)
        header.update(codec="bbans", latent_bits=int(latent_bits), count=len(bits), dtype=dtype,
                      images_sha256=_images_sha256(bits), seed_words=len(bitsback.seed_words(model.latent_dim)))
    else:
        arr = np.asarray(images)
        if arr.ndim >= 1 and arr.shape[0] == 0:
            raise ValueError("no images to compress: the input is empty")
        x = checks.check_images(arr, model.image_shape, (0.0, 1.0))
        words, info = lossy.encode(posterior, x, lossy_step, entropy_model)
        figures = {"total_bits": 32 * len(words)}
        header.update(codec="lossy", lossy=info, count=len(x), dtype="<f4")
    blob = container.pack(header, words)
    if stats is not None:
        stats.update(figures, file_bytes=len(blob))
    return blob


def decompress(model, data, name=None):
    """Images from ``.kvz`` bytes written by ``compress`` with the same model.

    Args:
        model: the model the data was compressed with.
        data: the file's bytes.
        name: the model's zoo name, checked against the file's.

    Returns:
        Lossless: the original images (their dtype, exactly). Lossy: the decoder's mean
        images, float32 in [0, 1].

    Raises:
        CompressedFileError (a ValueError): not a .kvz file, corrupt or truncated data,
            another model, or a decode that does not reproduce the recorded checksum.
    """
    header, words = container.unpack(data)
    networks.check_codable(model)
    _check_model(header, model, name)
    posterior, logits = networks.model_functions(model)
    try:
        count, shape = int(header["count"]), tuple(int(d) for d in header["shape"])
        codec = header["codec"]
    except (KeyError, TypeError, ValueError) as e:
        raise CompressedFileError(f"the compressed file's header lacks a field: {e}") from e
    if codec == "lossy":
        return lossy.decode(logits, words, header["lossy"], count)
    if codec != "bbans":
        raise CompressedFileError(f"unknown codec {codec!r} in the compressed file")
    try:
        bits = bitsback.decode(posterior, logits, words, count, shape, model.latent_dim, int(header["latent_bits"]))
    except bitsback.DecodeMismatchError as e:
        raise CompressedFileError(str(e)) from e
    if _images_sha256(bits) != header.get("images_sha256"):
        raise CompressedFileError(
            "the decoded images do not match the recorded checksum: the model's float computations differ "
            "from the compressing machine's"
        )
    return bits.astype(np.dtype(header.get("dtype", "|u1")))
