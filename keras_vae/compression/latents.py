"""Latent discretisation for bits-back coding: buckets of equal mass under the N(0, 1) prior.

Following Townsend, Bird & Barber (2019, section 3.2), each latent dimension is cut into
``2**bits`` buckets of equal probability ``2**-bits`` under the standard normal prior, so
the prior over a bucket index is uniform. A bucket is represented by its centre, the prior
median of the bucket (``Phi^-1((k + 0.5) / 2**bits)``); the decoder is evaluated there.
The posterior probability of bucket ``k`` is the Gaussian posterior's mass on the bucket,
``Phi((e_{k+1} - mu) / sigma) - Phi((e_k - mu) / sigma)``, computed in float64 from the
encoder's float32 outputs, so encoder and decoder sides build the same table.

Only buckets within ``WINDOW_SIGMAS`` posterior standard deviations of the mean get a
table entry (the rest have mass below 1e-15, far under the coder's 2**-24 resolution);
the window is a deterministic function of ``(mu, sigma)``, so both sides agree on it.

Example:
>>> buckets = Buckets(12)
>>> buckets.centres.shape
(4096,)
>>> lo, probs = buckets.posterior_table(0.3, 0.1)  # bucket indices lo .. lo + len(probs) - 1
"""

import functools

import numpy as np

WINDOW_SIGMAS = 8.0
DEFAULT_LATENT_BITS = 12  # 4096 buckets per dimension; README: 10, 12 and 14 bits give the same rate


def _ndtr():
    try:
        from scipy.special import ndtr, ndtri
    except ImportError as e:  # pragma: no cover - scipy comes with the extra
        raise ImportError(
            "keras_vae.compression needs scipy and constriction: pip install 'keras-vae[compression]'"
        ) from e
    return ndtr, ndtri


class Buckets:
    """``2**bits`` equal-prior-mass buckets of one latent dimension.

    Args:
        bits: bits per latent dimension, 4 to 20; the prior codes each index with exactly this many bits.
    """

    def __init__(self, bits):
        if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not 4 <= bits <= 20:
            raise ValueError(f"latent bits must be an integer in [4, 20], got {bits!r}")
        ndtr, ndtri = _ndtr()
        self.bits = int(bits)
        self.size = 1 << self.bits
        k = np.arange(self.size + 1, dtype="float64")
        self.edges = ndtri(k / self.size)  # -inf, ..., +inf
        self.centres = ndtri((np.arange(self.size, dtype="float64") + 0.5) / self.size).astype("float32")
        self._ndtr = ndtr

    def window(self, mu, sigma):
        """First and last bucket index within ``WINDOW_SIGMAS`` posterior stds of ``mu``."""
        ndtr = self._ndtr
        lo = int(np.floor(ndtr(mu - WINDOW_SIGMAS * sigma) * self.size))
        hi = int(np.floor(ndtr(mu + WINDOW_SIGMAS * sigma) * self.size))
        lo, hi = max(0, min(lo, self.size - 1)), max(0, min(hi, self.size - 1))
        if lo == hi:  # constriction's Categorical needs two symbols: widen by a neighbour
            lo, hi = (lo, hi + 1) if hi < self.size - 1 else (lo - 1, hi)
        return lo, hi

    def posterior_table(self, mu, sigma):
        """``(lo, probs)``: the posterior N(mu, sigma^2) mass of buckets ``lo .. lo + len(probs) - 1``.

        Args:
            mu, sigma: posterior mean and standard deviation of one dimension (python/numpy floats).
        """
        mu, sigma = float(mu), float(sigma)
        lo, hi = self.window(mu, sigma)
        # Differences of the CDF at the edges: an absolute error near 1e-16 per bucket, far below
        # the coder's 2**-24 resolution (buckets under it get the coder's floor anyway).
        probs = np.maximum(np.diff(self._ndtr((self.edges[lo : hi + 2] - mu) / sigma)), 0.0)
        if not probs.any():  # a window holding essentially no mass (mu far in a tail)
            probs = np.ones_like(probs)
        return lo, probs


@functools.lru_cache(maxsize=4)
def buckets(bits):
    """The shared ``Buckets(bits)`` (edges and centres are computed once per process)."""
    return Buckets(bits)
