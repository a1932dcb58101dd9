"""Bits-back coding with asymmetric numeral systems (BB-ANS; Townsend, Bird & Barber, ICLR 2019).

For each image ``x`` the coder, working on one ANS stack (``constriction.stream.stack.AnsCoder``):

1. **pops** a latent bucket ``k ~ Q(k|x)`` off the stack (the posterior over equal-prior-mass
   buckets, ``keras_vae.compression.latents``): this *decodes* ``-log2 Q(k|x)`` bits that
   are already on the stack, the bits that come back;
2. **pushes** ``x`` under ``p(x|z_k)``, Bernoulli pixels with the decoder's logits at the
   bucket centre ``z_k``;
3. **pushes** ``k`` under the prior, uniform over ``2**bits`` buckets per dimension.

The net cost of one image is ``-log2 p(x|z_k) - log2 P(k) + log2 Q(k|x)`` bits, whose mean
over ``k ~ Q`` is the negative ELBO of the discretised model. Decoding runs the three steps
backwards in reverse order (pop ``k`` under the prior, pop ``x``, push ``k`` back under
``Q(k|x)``), which restores the stack exactly as it was before the image was encoded.

The first image has nothing to pop from, so the stack starts with ``seed_words(latent_dim)``
fixed pseudo-random 32-bit words ("initial bits", as in the paper): enough for the largest
possible first pop (24 bits, the coder's probability precision, per latent dimension).
They stay in the message, and decoding gives them back at the end, which is checked.

The entropy coder is ``constriction`` (Bamler, 2022): ANS with 32-bit words, a 64-bit
state and probabilities in 24-bit fixed point; it quantises each model from the same
float64 numbers on both sides. Images are encoded last to first so that they decode
first to last.
"""

import math

import numpy as np

from keras_vae.compression.latents import buckets

PRECISION_BITS = 24  # constriction's AnsCoder quantises every probability to multiples of 2**-24
SEED = 20190506  # the initial bits are a fixed pseudo-random sequence (any would do)


class DecodeMismatchError(ValueError):
    """The stream decodes to something impossible: a corrupt payload, or different model floats."""


def ans_stream():
    """``constriction.stream`` (its ANS coder and models), or a one-line error naming the extra."""
    from keras_vae.extras import require

    require(["constriction", "scipy"], "keras_vae.compression")
    import constriction

    return constriction.stream


def seed_words(latent_dim):
    """The initial bits: 24 bits per latent dimension, rounded up to 32-bit words, plus two.

    The last word is nonzero, as constriction requires of a compressed stack.
    """
    n = math.ceil(latent_dim * PRECISION_BITS / 32) + 2
    return np.random.default_rng(SEED).integers(1, 2**32, size=n, dtype=np.uint32)


def bernoulli_probs(logits):
    """P(pixel = 1) in float64 from float32 logits, flattened (a deterministic numpy computation)."""
    logits = np.asarray(logits, "float64").reshape(-1)
    return 1.0 / (1.0 + np.exp(-logits))


def _posterior_models(stream, table, z_mean, z_log_var):
    sigma = np.exp(0.5 * np.asarray(z_log_var, "float64"))
    out = []
    for mu, s in zip(np.asarray(z_mean, "float64"), sigma):
        lo, probs = table.posterior_table(mu, s)
        # lazy=True builds the quantised table only when coding; same semantics as perfect=False.
        out.append((lo, probs, stream.model.Categorical(probs, lazy=True)))
    return out


def encode(posterior, logits, images, latent_bits, stats=False):
    """Compresses binary images into ANS words.

    Args:
        posterior, logits: the model's functions (``networks.model_functions``), called at batch 1.
        images: integer array ``(n, *image_shape)`` of 0/1 pixels.
        latent_bits: bits per latent dimension (``2**latent_bits`` buckets).
        stats: if True also return a dict with the ideal information content (float64).

    Returns:
        ``words`` (uint32), or ``(words, stats)``.
    """
    stream = ans_stream()
    table = buckets(latent_bits)
    prior = stream.model.Uniform(table.size)
    bernoulli = stream.model.Bernoulli(perfect=False)
    latent_dim = None
    ans = None
    ideal = {"likelihood": 0.0, "prior": 0.0, "posterior": 0.0}
    for x in images[::-1]:
        z_mean, z_log_var = (a[0] for a in posterior(x[None].astype("float32")))
        if ans is None:
            latent_dim = len(z_mean)
            ans = stream.stack.AnsCoder(seed_words(latent_dim))
        ks = np.empty(latent_dim, np.int32)
        for d, (lo, probs, model) in enumerate(_posterior_models(stream, table, z_mean, z_log_var)):
            j = ans.decode(model)
            ks[d] = lo + j
            if stats:
                ideal["posterior"] += math.log2(probs[j] / probs.sum())
        p = bernoulli_probs(logits(table.centres[ks][None]))
        pixels = x.reshape(-1).astype(np.int32)
        ans.encode_reverse(pixels, bernoulli, p)
        ans.encode_reverse(ks, prior)
        if stats:
            ideal["likelihood"] -= float(np.sum(np.log2(np.where(pixels == 1, p, 1.0 - p))))
            ideal["prior"] += latent_dim * latent_bits
    if ans is None:
        raise ValueError("no images to compress")
    words = ans.get_compressed()
    if not stats:
        return words
    ideal["net"] = ideal["likelihood"] + ideal["prior"] + ideal["posterior"]
    return words, {"ideal_bits": ideal, "seed_bits": 32 * len(seed_words(latent_dim)), "total_bits": 32 * len(words)}


def decode(posterior, logits, words, count, image_shape, latent_dim, latent_bits):
    """Inverse of ``encode``: ``count`` images, uint8 0/1 of shape ``(count, *image_shape)``.

    Raises:
        DecodeMismatchError: a latent outside its posterior window, or a stream that does
            not end with the initial bits (a corrupt payload, or a model or machine whose
            floats differ from the compressing side's).
    """
    stream = ans_stream()
    table = buckets(latent_bits)
    prior = stream.model.Uniform(table.size)
    bernoulli = stream.model.Bernoulli(perfect=False)
    try:
        ans = stream.stack.AnsCoder(np.asarray(words, np.uint32))
    except Exception as e:  # noqa: BLE001 - constriction raises plain Exceptions on bad data
        raise DecodeMismatchError(f"the payload is not an ANS stream ({e})") from e
    n_pixels = int(np.prod(image_shape))
    out = np.empty((count, n_pixels), np.uint8)
    for i in range(count):
        ks = ans.decode(prior, latent_dim)
        p = bernoulli_probs(logits(table.centres[ks][None]))
        pixels = ans.decode(bernoulli, p)
        out[i] = pixels
        z_mean, z_log_var = (a[0] for a in posterior(pixels.reshape((1,) + tuple(image_shape)).astype("float32")))
        models = _posterior_models(stream, table, z_mean, z_log_var)
        for d in reversed(range(latent_dim)):
            lo, probs, model = models[d]
            j = int(ks[d]) - lo
            if not 0 <= j < len(probs):
                raise DecodeMismatchError(
                    f"image {i}: decoded latent bucket {int(ks[d])} of dimension {d} lies outside its posterior "
                    "window: the data is corrupt or the model's floats differ from the compressing side's"
                )
            ans.encode_reverse(np.array([j], np.int32), model)
    if not np.array_equal(ans.get_compressed(), seed_words(latent_dim)):
        raise DecodeMismatchError(
            "the stream does not end with the initial bits: the data is corrupt or the model's floats "
            "differ from the compressing side's"
        )
    return out.reshape((count,) + tuple(image_shape))
