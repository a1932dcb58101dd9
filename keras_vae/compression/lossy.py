"""Lossy coding with the VAE: quantised posterior means, entropy-coded, decoded to the mean image.

Each image becomes its posterior mean ``z_mean`` rounded to a grid of step ``step``
(symbols ``k = round(z_mean / step)``, clipped to ``|k * step| <= Z_LIMIT``). The symbols
are entropy-coded with ``constriction`` under a discretised Gaussian per latent dimension
(``QuantizedGaussian``, the Gaussian's mass on each grid cell):

- ``entropy_model="prior"``: the N(0, 1) prior (nothing stored); every dimension costs
  bits, also the inactive ones whose posterior mean is always near 0;
- ``entropy_model="fitted"`` (default): a Gaussian per dimension whose mean and standard
  deviation are fitted to this batch's symbols and stored in the header (float16, 4 bytes
  a dimension, written as hex), so near-constant dimensions cost almost nothing, as a codec's optimised
  tables would.

Decoding multiplies the symbols back by ``step`` and returns the decoder's mean image (for
a Bernoulli model, pixel probabilities): the reconstruction with the least expected squared
error given the code.

Example:
>>> words, info = encode(posterior, images, step=0.5)
>>> recon = decode(logits_to_mean, words, info, len(images))
"""

import numpy as np

from keras_vae.compression.bitsback import ans_stream

Z_LIMIT = 8.0  # |z_mean| beyond 8 prior stds is clipped
ENTROPY_MODELS = ("prior", "fitted")
_MIN_STD = 0.05  # in grid steps: keeps a fitted model of a constant dimension well conditioned
_BATCH = 512


def check_step(step):
    if isinstance(step, bool) or not isinstance(step, (int, float, np.floating, np.integer)) or not 0.01 <= step <= 4:
        raise ValueError(f"the lossy step must be a number in [0.01, 4] (latent units), got {step!r}")
    return float(step)


def _in_batches(fn, x):
    return [fn(x[i : i + _BATCH]) for i in range(0, len(x), _BATCH)]


def quantise(z_mean, step):
    """Grid symbols ``round(z_mean / step)``, clipped to ``[-R, R]`` with ``R = ceil(Z_LIMIT / step)``."""
    limit = int(np.ceil(Z_LIMIT / step))
    return np.clip(np.round(np.asarray(z_mean, "float64") / step), -limit, limit).astype(np.int32), limit


def _model_params(symbols, step, entropy_model):
    """``(mean, std, stored)``: per-dimension Gaussian over the symbols, and its header form."""
    latent_dim = symbols.shape[1]
    if entropy_model == "prior":
        return np.zeros(latent_dim), np.full(latent_dim, 1.0 / step), None
    # Stored as float16 (4 bytes a dimension, hex in the header); both sides use the rounded values.
    packed = np.stack([symbols.mean(axis=0), np.maximum(symbols.std(axis=0), _MIN_STD)]).astype("<f2")
    return (*_unpack_params(packed.tobytes().hex(), latent_dim), packed.tobytes().hex())


def _unpack_params(stored, latent_dim):
    mean, std = np.frombuffer(bytes.fromhex(stored), "<f2").reshape(2, latent_dim).astype("float64")
    return mean, std


def encode(posterior, images, step, entropy_model="fitted"):
    """``(words, info)``: the coded symbols and the header fields the decoder needs.

    Args:
        posterior: the model's batch posterior function (``networks.model_functions``).
        images: float32 ``(n, *image_shape)``.
        step: grid step in latent units (larger: fewer bits, more distortion).
        entropy_model: ``"prior"`` or ``"fitted"`` (see the module docstring).
    """
    step = check_step(step)
    if entropy_model not in ENTROPY_MODELS:
        raise ValueError(f"entropy_model must be one of {ENTROPY_MODELS}, got {entropy_model!r}")
    stream = ans_stream()
    z_mean = np.concatenate([p[0] for p in _in_batches(posterior, images)])
    symbols, limit = quantise(z_mean, step)
    mean, std, stored = _model_params(symbols, step, entropy_model)
    n, latent_dim = symbols.shape
    ans = stream.stack.AnsCoder()
    ans.encode_reverse(symbols.reshape(-1), stream.model.QuantizedGaussian(-limit, limit),
                       np.tile(mean, n), np.tile(std, n))
    info = {"step": step, "limit": limit, "latent_dim": latent_dim, "entropy_model": entropy_model,
            "gaussians_f16": stored}
    return ans.get_compressed(), info


def decode_symbols(words, info, count):
    """The ``(count, latent_dim)`` grid symbols back from ``words``."""
    stream = ans_stream()
    latent_dim, limit, step = int(info["latent_dim"]), int(info["limit"]), float(info["step"])
    if info["entropy_model"] == "prior":
        mean, std = np.zeros(latent_dim), np.full(latent_dim, 1.0 / step)
    else:
        mean, std = _unpack_params(info["gaussians_f16"], latent_dim)
    ans = stream.stack.AnsCoder(np.asarray(words, np.uint32))
    symbols = ans.decode(stream.model.QuantizedGaussian(-limit, limit), np.tile(mean, count), np.tile(std, count))
    return symbols.reshape(count, latent_dim)


def decode(logits, words, info, count):
    """Mean images (pixel probabilities, float32) decoded from the quantised latents."""
    z = decode_symbols(words, info, count).astype("float32") * np.float32(info["step"])
    parts = _in_batches(logits, z)
    return (1.0 / (1.0 + np.exp(-np.concatenate(parts).astype("float64")))).astype("float32")
