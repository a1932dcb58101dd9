"""Observation models p(x|z): small objects that turn decoder outputs into log-densities.

The decoder emits unconstrained parameters (``param_channels`` per data channel);
each likelihood owns how they map to a log-density and to a mean. A likelihood computes
one log-density per data element (``elementwise_log_prob``); ``log_prob`` sums them over
the last ``event_ndims`` axes of the data (3 for an image ``(height, width, channels)``,
2 for a window ``(time, channels)``, 1 for a token sequence) and returns them per
example, in nats. Every model family goes through this one sum.
"""

import math

import keras
from keras import ops

IMAGE_EVENT_NDIMS = 3  # (height, width, channels)


def stable_softplus(x):
    """log(1 + exp(x)) as max(x, 0) + log(1 + exp(-|x|)): finite for any x in every runtime.

    ``ops.softplus`` is exact in Keras, but converters may lower it to log(1 + exp(x)),
    which overflows to inf past x = 88 in float32 (TFLite did, for the discretised
    logistic's far tails, where x reaches hundreds).
    """
    # log(1 + e) with e = exp(-|x|) in (0, 1]: no overflow, an absolute error under 1e-7
    # where e is tiny; log1p would be exact but ONNX has no Log1p op.
    return ops.relu(x) + ops.log(1.0 + ops.exp(-ops.abs(x)))


def sum_event(values, event_ndims):
    """Sums ``values`` over its last ``event_ndims`` axes (one figure per example)."""
    return ops.sum(values, axis=tuple(range(-int(event_ndims), 0)))


@keras.saving.register_keras_serializable(package="keras_vae")
class Likelihood:
    """Base class. Subclasses set ``name``, ``param_channels`` and ``value_range``."""

    name = None
    param_channels = 1
    # Range the data must lie in; None means unbounded.
    value_range = None

    def elementwise_log_prob(self, x, params):
        """log p(x_i|params) per data element, shape of ``x`` (broadcast over leading axes)."""
        raise NotImplementedError

    def log_prob(self, x, params, event_ndims=IMAGE_EVENT_NDIMS):
        """log p(x|params) summed over the last ``event_ndims`` axes of ``x``; broadcasts over leading axes."""
        return sum_event(self.elementwise_log_prob(x, params), event_ndims)

    def mean(self, params):
        """The mean image E[x|params]."""
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@keras.saving.register_keras_serializable(package="keras_vae")
class Bernoulli(Likelihood):
    """Bernoulli pixels parameterised by logits, for binary or [0, 1] images.

    ``x*l - softplus(l)`` equals ``x log sigmoid(l) + (1-x) log(1-sigmoid(l))`` but
    never takes the log of a saturated sigmoid, so it stays finite for any logit.
    """

    name = "bernoulli"
    param_channels = 1
    value_range = (0.0, 1.0)

    def elementwise_log_prob(self, x, params):
        x = ops.cast(x, params.dtype)
        return x * params - ops.softplus(params)

    def mean(self, params):
        return ops.sigmoid(params)


@keras.saving.register_keras_serializable(package="keras_vae")
class Gaussian(Likelihood):
    """Diagonal Gaussian pixels.

    Args:
        scale: fixed standard deviation, used when ``learn_scale`` is False.
        learn_scale: if True the decoder also predicts a per-pixel log-scale
            (so ``param_channels`` is 2), floored at ``min_scale`` for stability.
        min_scale: lower bound on the learned standard deviation.
    """

    name = "gaussian"

    def __init__(self, scale=0.1, learn_scale=False, min_scale=1e-3):
        if scale <= 0 or min_scale <= 0:
            raise ValueError(f"Gaussian scales must be positive, got scale={scale}, min_scale={min_scale}")
        self.scale = float(scale)
        self.learn_scale = bool(learn_scale)
        self.min_scale = float(min_scale)
        self.param_channels = 2 if learn_scale else 1

    def _split(self, params):
        if not self.learn_scale:
            return params, ops.full_like(params, math.log(self.scale))
        channels = ops.shape(params)[-1] // 2
        mean, raw = params[..., :channels], params[..., channels:]
        # softplus keeps the scale positive with a floor, instead of an exp that can blow up.
        log_scale = ops.log(ops.softplus(raw) + self.min_scale)
        return mean, log_scale

    def elementwise_log_prob(self, x, params):
        mean, log_scale = self._split(params)
        x = ops.cast(x, mean.dtype)
        z = (x - mean) * ops.exp(-log_scale)
        return -0.5 * ops.square(z) - log_scale - 0.5 * math.log(2.0 * math.pi)

    def mean(self, params):
        return self._split(params)[0]

    def get_config(self):
        return {"scale": self.scale, "learn_scale": self.learn_scale, "min_scale": self.min_scale}


@keras.saving.register_keras_serializable(package="keras_vae")
class DiscretizedLogistic(Likelihood):
    """A logistic per pixel, discretised to 8-bit grey levels (Salimans et al. 2017, one component).

    Data are the ``levels`` grey levels scaled to [0, 1] (``k / (levels - 1)``). Each level
    gets the logistic's mass over its bin of width ``1 / (levels - 1)``; the two end bins
    take the tails, so ``log p(x|z)`` is the log of a probability (in nats, comparable with
    bits per dimension in the literature: ``nll / (D ln 2)``). The decoder predicts a mean
    and a log-scale per pixel (``param_channels`` 2).

    Args:
        levels: number of grey levels (256 for 8-bit images).
        min_log_scale: floor on the log-scale, so a bin's mass never needs more than float32.

    Example:
    >>> lik = DiscretizedLogistic()
    >>> x = np.array([[0.0, 128 / 255, 1.0]], "float32")
    >>> params = np.zeros((1, 3, 2), "float32")
    >>> lik.elementwise_log_prob(x[..., None], params).shape
    (1, 3, 1)
    """

    name = "discretized_logistic"
    param_channels = 2
    value_range = (0.0, 1.0)

    def __init__(self, levels=256, min_log_scale=-7.0):
        if int(levels) < 2:
            raise ValueError(f"DiscretizedLogistic needs at least 2 grey levels, got levels={levels}")
        self.levels = int(levels)
        self.min_log_scale = float(min_log_scale)

    def _split(self, params):
        channels = ops.shape(params)[-1] // 2
        mean, log_scale = params[..., :channels], params[..., channels:]
        return mean, ops.maximum(log_scale, self.min_log_scale)

    def elementwise_log_prob(self, x, params):
        mean, log_scale = self._split(params)
        x = ops.cast(x, mean.dtype)
        half_bin = 0.5 / (self.levels - 1)
        inv_scale = ops.exp(-log_scale)
        centred = x - mean
        upper = inv_scale * (centred + half_bin)
        lower = inv_scale * (centred - half_bin)
        # log sigmoid(upper): the lowest level takes the whole left tail.
        log_cdf_upper = upper - stable_softplus(upper)
        # log (1 - sigmoid(lower)): the highest level takes the right tail.
        log_survival_lower = -stable_softplus(lower)
        mass = ops.sigmoid(upper) - ops.sigmoid(lower)
        # The density at the bin centre times the bin width is the accurate value where the
        # difference of two sigmoids underflows (a bin far in a sharp tail) or cancels (a
        # logistic much wider than a bin, where the midpoint rule's relative error is
        # about (width / scale)^2 / 24 < 1e-5).
        middle = inv_scale * centred
        log_density = middle - log_scale - 2.0 * stable_softplus(middle)
        use_density = ops.logical_or(mass < 1e-5, inv_scale * (2.0 * half_bin) < 1e-2)
        log_mass = ops.where(use_density, log_density + math.log(2.0 * half_bin), ops.log(ops.maximum(mass, 1e-12)))
        lowest, highest = half_bin, 1.0 - half_bin
        return ops.where(x < lowest, log_cdf_upper, ops.where(x > highest, log_survival_lower, log_mass))

    def mean(self, params):
        # The logistic's mean, clipped to the data range (the tails' mass sits on the end levels).
        return ops.clip(self._split(params)[0], 0.0, 1.0)

    def get_config(self):
        return {"levels": self.levels, "min_log_scale": self.min_log_scale}


@keras.saving.register_keras_serializable(package="keras_vae")
class Categorical(Likelihood):
    """One categorical token per sequence position, parameterised by logits over the vocabulary.

    ``x`` holds integer token ids (any numeric dtype; a float id is cast) of shape
    (..., length); ``params`` the logits (..., length, vocabulary). A position holding
    ``pad_id`` is padding after the end token and contributes 0, so ``log_prob`` over
    ``event_ndims=1`` is ``log p(sequence)`` in nats: the sum of ``log softmax`` of each
    real token up to and including the end token.

    Args:
        pad_id: token id of padding (masked out).

    Example:
    >>> Categorical().elementwise_log_prob(tokens, logits)  # (batch, length)
    """

    name = "categorical"
    param_channels = 1
    value_range = None

    def __init__(self, pad_id=0):
        self.pad_id = int(pad_id)

    def elementwise_log_prob(self, x, params):
        ids = ops.cast(x, "int32")
        log_p = ops.log_softmax(params, axis=-1)
        picked = ops.sum(ops.one_hot(ids, ops.shape(params)[-1], dtype=log_p.dtype) * log_p, axis=-1)
        return picked * ops.cast(ops.not_equal(ids, self.pad_id), log_p.dtype)

    def mean(self, params):
        """Token probabilities (softmax of the logits), shape of ``params``."""
        return ops.softmax(params, axis=-1)

    def get_config(self):
        return {"pad_id": self.pad_id}


_REGISTRY = {cls.name: cls for cls in (Bernoulli, Gaussian, DiscretizedLogistic, Categorical)}


def get(identifier):
    """Returns a likelihood from a name, a config dict or an instance."""
    if isinstance(identifier, Likelihood):
        return identifier
    if isinstance(identifier, str):
        if identifier not in _REGISTRY:
            raise ValueError(f"Unknown likelihood {identifier!r}; expected one of {sorted(_REGISTRY)}")
        return _REGISTRY[identifier]()
    if isinstance(identifier, dict) and identifier.get("name") in _REGISTRY:
        return _REGISTRY[identifier["name"]](**identifier.get("config", {}))
    raise ValueError(f"Cannot interpret {identifier!r} as a likelihood")


def serialize(likelihood):
    return {"name": likelihood.name, "config": likelihood.get_config()}


def gaussian_kl(z_mean, z_log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) per example, in nats, in closed form."""
    return 0.5 * ops.sum(ops.exp(z_log_var) + ops.square(z_mean) - 1.0 - z_log_var, axis=-1)


def standard_normal_log_prob(z):
    return -0.5 * ops.sum(ops.square(z) + math.log(2.0 * math.pi), axis=-1)


def diagonal_normal_log_prob(z, mean, log_var):
    return -0.5 * ops.sum(
        ops.square(z - mean) * ops.exp(-log_var) + log_var + math.log(2.0 * math.pi), axis=-1
    )
