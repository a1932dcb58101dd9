"""Per-example uncertainty of a VAE: how spread the posterior is, and how much that spread shows in pixels.

Two scores, both per example and both higher for "less sure":

- ``posterior_spread``: the posterior standard deviations ``exp(0.5 * z_log_var)`` of
  q(z|x), averaged over the latent dimensions (or, with ``reduce="total_variance"``,
  the summed posterior variances). Costs one encoder pass.
- ``decoded_variance``: draw z ~ q(z|x) ``samples`` times, decode each draw to the mean
  image E[x|z], and average over pixels the variance of those images across draws.
  It measures how much the posterior's spread changes the picture, which a latent
  dimension the decoder ignores does not. Costs ``samples`` decoder passes.

Both take numpy images ``(n, *model.image_shape)`` in the likelihood's value range
(``[0, 1]`` for Bernoulli models) and return float32 arrays of shape ``(n,)``.
``keras_vae.tasks.ood`` builds out-of-distribution sets to compare them on.
"""

import keras
import numpy as np
from keras import ops

from keras_vae.models import checks
from keras_vae.models.base import _DECODES_PER_CHUNK

REDUCTIONS = ("mean_std", "total_variance")


# The model's own input validation, so a bad call fails here as it would in model.encode.
_check = checks.check_model_inputs


def _check_samples(samples):
    samples = checks.check_positive_int(samples, "samples")
    if samples < 2:
        raise ValueError(f"samples must be at least 2 to estimate a variance across draws, got {samples}")
    return samples


def posterior_spread(model, x, labels=None, batch_size=512, reduce="mean_std"):
    """How wide q(z|x) is, one number per example.

    Args:
        model: a keras_vae model.
        x: images of shape (n, *model.image_shape) in the likelihood's value range.
        labels: class ids of shape (n,), for conditional models only.
        batch_size: examples encoded together.
        reduce: ``"mean_std"`` (default): ``mean_j exp(0.5 * z_log_var_j)``, the posterior
            standard deviation averaged over the ``latent_dim`` dimensions (1.0 is the
            prior's, smaller is more certain). ``"total_variance"``:
            ``sum_j exp(z_log_var_j)``, the trace of the posterior covariance.

    Returns:
        float32 array of shape (n,).

    Example:
    >>> spread = posterior_spread(keras_vae.zoo.load("conv_mnist"), images)  # (n,)
    """
    if reduce not in REDUCTIONS:
        raise ValueError(f"reduce must be one of {REDUCTIONS}, got {reduce!r}")
    x, labels = _check(model, x, labels)
    _, z_log_var = model.encode(x, labels, batch_size=batch_size)
    z_log_var = z_log_var.astype("float64")  # reduce in double: the sums are over up to latent_dim terms
    if reduce == "mean_std":
        out = np.mean(np.exp(0.5 * z_log_var), axis=-1)
    else:
        out = np.sum(np.exp(z_log_var), axis=-1)
    return out.astype("float32")


def decoded_variance(model, x, labels=None, samples=32, seed=0, batch_size=256):
    """Variance of the decoded mean image over posterior draws, averaged over pixels.

    For each example: ``z_s = z_mean + exp(0.5 * z_log_var) * eps_s`` with
    ``eps_s ~ N(0, I)``, ``s = 1..samples``; ``m_s = E[x | z_s]`` (pixel probabilities for
    a Bernoulli model); the result is ``mean_pixels var_s(m_s)`` with the unbiased
    (``samples - 1``) variance. It is 0 when the posterior is a point, and it does not
    include the likelihood's own pixel noise.

    Draws are decoded in chunks of at most ``_DECODES_PER_CHUNK`` images and the variance
    is accumulated with Chan et al.'s pairwise update, so memory stays bounded for any
    ``samples`` and no sum-of-squares cancellation occurs.

    Args:
        model: a keras_vae model.
        x: images of shape (n, *model.image_shape) in the likelihood's value range.
        labels: class ids of shape (n,), for conditional models only.
        samples: posterior draws per example, at least 2.
        seed: seed of the draws; a given (seed, batch_size) gives the same figures on every call.
        batch_size: examples encoded together.

    Returns:
        float32 array of shape (n,).

    Example:
    >>> var = decoded_variance(keras_vae.zoo.load("conv_mnist"), images, samples=32, seed=0)  # (n,)
    """
    x, labels = _check(model, x, labels)
    samples = _check_samples(samples)
    slices = checks.batch_slices(len(x), batch_size)
    generator = keras.random.SeedGenerator(seed)
    out = []
    for s in slices:
        xb = x[s]
        yb = None if labels is None else labels[s]
        z_mean, z_log_var = model.encoder(model._encoder_inputs(xb, yb))
        std = ops.exp(0.5 * z_log_var)
        b = xb.shape[0]
        chunk = max(1, min(samples, _DECODES_PER_CHUNK // b))
        count, mean, m2 = 0, None, None
        for start in range(0, samples, chunk):
            kc = min(chunk, samples - start)
            eps = keras.random.normal((kc, b, model.latent_dim), seed=generator)
            z = ops.reshape(z_mean[None] + std[None] * eps, (kc * b, model.latent_dim))
            # Labels repeat once per draw, matching the (draw, example) order of the reshape.
            flat_y = None if yb is None else np.tile(yb, kc)
            params = model.decoder(model._decoder_inputs(z, flat_y))
            images = model.likelihood.mean(params)
            images = ops.reshape(images, (kc, b) + tuple(images.shape[1:]))
            # Two-pass mean and squared deviations inside the chunk, then Chan's merge
            # with the running totals: stable where E[m^2] - E[m]^2 would cancel.
            chunk_mean = ops.mean(images, axis=0)
            chunk_m2 = ops.sum(ops.square(images - chunk_mean[None]), axis=0)
            if mean is None:
                mean, m2 = chunk_mean, chunk_m2
            else:
                delta = chunk_mean - mean
                total = count + kc
                mean = mean + delta * (kc / total)
                m2 = m2 + chunk_m2 + ops.square(delta) * (count * kc / total)
            count += kc
        variance = m2 / (samples - 1)
        out.append(ops.convert_to_numpy(ops.mean(ops.reshape(variance, (b, -1)), axis=-1)))
    return np.concatenate(out).astype("float32") if out else np.zeros((0,), "float32")


def uncertainty(model, x, labels=None, samples=32, seed=0):
    """Both scores at once: ``{"posterior_spread": (n,), "decoded_variance": (n,)}``.

    Args:
        model: a keras_vae model.
        x: images of shape (n, *model.image_shape) in the likelihood's value range.
        labels: class ids of shape (n,), for conditional models only.
        samples: posterior draws per example for ``decoded_variance``, at least 2.
        seed: seed of those draws.

    Example:
    >>> scores = uncertainty(keras_vae.zoo.load("conv_mnist"), images, samples=32, seed=0)
    >>> scores["posterior_spread"].shape, scores["decoded_variance"].shape
    ((n,), (n,))
    """
    # Validate everything before the (slow) first pass, so a bad argument costs nothing.
    x, labels = _check(model, x, labels)
    samples = _check_samples(samples)
    return {
        "posterior_spread": posterior_spread(model, x, labels),
        "decoded_variance": decoded_variance(model, x, labels, samples=samples, seed=seed),
    }
