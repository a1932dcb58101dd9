"""Time-series VAE: sliding windows of a (multivariate) series, as in Donut (Xu et al. 2018).

One example is a window of ``window`` consecutive time steps of ``channels`` values,
``image_shape = (window, channels)``; the likelihood sums over both axes (the base's
``log_px``). Three bodies: ``"dense"`` (an MLP on the flattened window, Donut's), ``"conv"``
(strided 1-D convolutions) and ``"gru"`` (a recurrent encoder and decoder).

The model takes raw values. Its normalisation, ``(x - loc) / scale`` per channel, is fitted
on training data by the caller (``fit_normalization``, then the ``loc``/``scale`` arguments
or ``set_normalization``) and saved with the model, as non-trainable weights of the
encoder's first layer (and as floats in the config): that layer applies it, the decoder emits the likelihood's
parameters for the normalised window, and ``log_px`` normalises ``x`` and adds the
Jacobian ``-window * sum(log scale)``, so every score is the density of the raw window in
nats. ``decode``/``reconstruct``/``sample`` return raw values; the exported graphs'
``image_mean`` and ``reconstruction`` outputs are normalised values (their ``score`` is raw).
"""

import keras
import numpy as np
from keras import ops

from keras_vae import likelihoods as likelihoods_lib
from keras_vae.models.base import VAE
from keras_vae.models.dense import dense_decoder_body, dense_encoder_body

BODIES = ("dense", "conv", "gru")


def fit_normalization(values, min_scale=1e-3):
    """Per-channel ``(loc, scale)`` of training values (mean and standard deviation).

    A constant channel gets ``scale = min_scale * max(1, |loc|)`` instead of 0.

    Args:
        values: array (n,) or (n, channels) of training data only.
        min_scale: relative floor of the scale.

    Example:
    >>> loc, scale = fit_normalization(series[:probation])
    >>> model = TimeSeriesVAE(window=32, channels=1, loc=loc, scale=scale)
    """
    values = np.asarray(values, "float64")
    values = values[:, None] if values.ndim == 1 else values
    if values.ndim != 2 or len(values) == 0:
        raise ValueError(f"values must have shape (time, channels) with time >= 1, got {values.shape}")
    loc = values.mean(axis=0)
    scale = values.std(axis=0)
    floor = min_scale * np.maximum(1.0, np.abs(loc))
    scale = np.where(scale > floor, scale, floor)
    return [float(v) for v in loc], [float(v) for v in scale]


def sliding_windows(values, window):
    """Every window of ``window`` consecutive rows: (n - window + 1, window, channels).

    Row ``i`` of the result is the window ending at time ``i + window - 1``.

    Example:
    >>> sliding_windows(np.arange(5.0), 3)[:, :, 0]
    array([[0., 1., 2.], [1., 2., 3.], [2., 3., 4.]])
    """
    values = np.asarray(values, "float32")
    values = values[:, None] if values.ndim == 1 else values
    if values.ndim != 2:
        raise ValueError(f"values must have shape (time,) or (time, channels), got {values.shape}")
    if len(values) < window:
        return np.zeros((0, window, values.shape[1]), "float32")
    return np.lib.stride_tricks.sliding_window_view(values, window, axis=0).transpose(0, 2, 1).copy()


@keras.saving.register_keras_serializable(package="keras_vae")
class Standardize(keras.layers.Layer):
    """``(x - loc) / scale`` over the last axis; ``loc`` and ``scale`` are non-trainable weights.

    Being weights (not graph constants), they are saved in the ``.keras`` file and can be
    refitted with ``assign`` without rebuilding the graph.
    """

    def __init__(self, loc, scale, **kwargs):
        super().__init__(**kwargs)
        self.initial_loc = [float(v) for v in loc]
        self.initial_scale = [float(v) for v in scale]
        channels = len(self.initial_loc)
        self.loc = self.add_weight(shape=(channels,), initializer=keras.initializers.Constant(self.initial_loc),
                                   trainable=False, name="loc")
        self.scale = self.add_weight(shape=(channels,), initializer=keras.initializers.Constant(self.initial_scale),
                                     trainable=False, name="scale")

    def call(self, x):
        return (ops.cast(x, self.compute_dtype) - self.loc) / self.scale

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "loc": self.initial_loc, "scale": self.initial_scale}


def _encoder_conv(x, filters, hidden_units, activation):
    h = x
    for i, f in enumerate(filters):
        h = keras.layers.Conv1D(f, 5, strides=2, padding="same", activation=activation, name=f"encoder_conv_{i}")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    for i, units in enumerate(hidden_units):
        h = keras.layers.Dense(units, activation=activation, name=f"encoder_dense_{i}")(h)
    return h


def _decoder_conv(h, shape, param_channels, filters, hidden_units, activation):
    window = shape[0]
    steps = window // 2 ** len(filters)
    for i, units in enumerate(reversed(hidden_units)):
        h = keras.layers.Dense(units, activation=activation, name=f"decoder_dense_{i}")(h)
    h = keras.layers.Dense(steps * filters[-1], activation=activation, name="decoder_project")(h)
    h = keras.layers.Reshape((steps, filters[-1]), name="decoder_reshape")(h)
    for i, f in enumerate(reversed(filters)):
        h = keras.layers.Conv1DTranspose(f, 5, strides=2, padding="same", activation=activation, name=f"decoder_deconv_{i}")(h)
    return keras.layers.Conv1D(param_channels, 3, padding="same", name="params")(h)


def _encoder_gru(x, hidden_units):
    return keras.layers.GRU(hidden_units[0], name="encoder_gru")(x)


def _decoder_gru(h, shape, param_channels, hidden_units, activation):
    h = keras.layers.Dense(hidden_units[0], activation=activation, name="decoder_dense")(h)
    h = keras.layers.RepeatVector(shape[0], name="decoder_repeat")(h)
    h = keras.layers.GRU(hidden_units[0], return_sequences=True, name="decoder_gru")(h)
    return keras.layers.Dense(param_channels, name="params")(h)


@keras.saving.register_keras_serializable(package="keras_vae")
class TimeSeriesVAE(VAE):
    """VAE over windows ``(window, channels)`` of a time series, with a learned-scale Gaussian.

    Args:
        window: time steps per example.
        channels: values per time step (1 for a NAB series).
        body: ``"dense"``, ``"conv"`` or ``"gru"``.
        hidden_units: widths of the dense layers (the GRU's width is the first).
        filters: channels of each stride-2 convolution (``"conv"`` body; ``window`` must be
            divisible by ``2 ** len(filters)``).
        activation: hidden activation.
        loc, scale: per-channel normalisation, fitted on training data (``fit_normalization``).
        **kwargs: ``VAE`` arguments (``latent_dim``, ``beta``, ``kl_warmup_steps``, ``seed``);
            ``likelihood`` defaults to ``Gaussian(learn_scale=True)``.

    Example:
    >>> loc, scale = fit_normalization(train_values)
    >>> model = TimeSeriesVAE(window=32, latent_dim=4, loc=loc, scale=scale)
    >>> model.compile(optimizer="adam", jit_compile=False)
    >>> model.fit(sliding_windows(train_values, 32), epochs=20, verbose=0)
    >>> model.window_scores(sliding_windows(values, 32))["elbo"]  # negative ELBO per window, nats
    """

    def __init__(self, window=32, channels=1, body="dense", hidden_units=(64, 32), filters=(16, 32),
                 activation="relu", loc=None, scale=None, likelihood=None, image_shape=None, **kwargs):
        if body not in BODIES:
            raise ValueError(f"unknown body {body!r}; expected one of {', '.join(BODIES)}")
        if image_shape is not None:  # from get_config
            window, channels = image_shape
        self.window, self.channels = int(window), int(channels)
        if self.window < 2 or self.channels < 1:
            raise ValueError(f"window must be >= 2 and channels >= 1, got window={window}, channels={channels}")
        self.body = body
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.filters = tuple(int(f) for f in filters)
        if body == "conv" and self.window % 2 ** len(self.filters):
            raise ValueError(f"window {self.window} must be divisible by 2**len(filters) = {2 ** len(self.filters)}")
        if not self.hidden_units and body != "conv":
            raise ValueError(f"the {body} body needs hidden_units")
        self.activation = activation
        self._loc = [0.0] * self.channels if loc is None else [float(v) for v in np.ravel(loc)]
        self._scale = [1.0] * self.channels if scale is None else [float(v) for v in np.ravel(scale)]
        if len(self._loc) != self.channels or len(self._scale) != self.channels:
            raise ValueError(f"loc and scale need {self.channels} values each, got {len(self._loc)} and {len(self._scale)}")
        if min(self._scale) <= 0:
            raise ValueError(f"scale must be positive, got {self._scale}")
        if likelihood is None:
            likelihood = likelihoods_lib.Gaussian(learn_scale=True)
        super().__init__(image_shape=(self.window, self.channels), likelihood=likelihood, **kwargs)

    # ----- bodies ---------------------------------------------------------------------
    def encoder_body(self, x):
        self.standardize = Standardize(self._loc, self._scale, name="standardize")
        h = self.standardize(x)
        if self.body == "dense":
            return dense_encoder_body(h, self.hidden_units, self.activation)
        if self.body == "conv":
            return _encoder_conv(h, self.filters, self.hidden_units, self.activation)
        return _encoder_gru(h, self.hidden_units)

    def decoder_body(self, features):
        shape, pc = self.image_shape, self.param_channels
        if self.body == "dense":
            return dense_decoder_body(features, shape, pc, self.hidden_units, self.activation)
        if self.body == "conv":
            return _decoder_conv(features, shape, pc, self.filters, self.hidden_units, self.activation)
        return _decoder_gru(features, shape, pc, self.hidden_units, self.activation)

    # ----- raw-value likelihood -------------------------------------------------------------
    def _standardize(self, x):
        return self.standardize(x)

    def _log_jacobian(self):
        return -float(self.window) * ops.sum(ops.log(self.standardize.scale))

    def normalization(self):
        """The fitted ``(loc, scale)`` per channel, as lists of floats."""
        loc, scale = (ops.convert_to_numpy(v) for v in (self.standardize.loc, self.standardize.scale))
        return [float(v) for v in loc], [float(v) for v in scale]

    def set_normalization(self, loc, scale):
        """Sets the per-channel normalisation (fitted on training data, ``fit_normalization``)."""
        loc, scale = np.asarray(loc, "float32").reshape(-1), np.asarray(scale, "float32").reshape(-1)
        if loc.shape != (self.channels,) or scale.shape != (self.channels,) or np.any(scale <= 0):
            raise ValueError(f"loc and scale need {self.channels} values each (scale > 0), got {loc} and {scale}")
        self.standardize.loc.assign(loc)
        self.standardize.scale.assign(scale)

    def log_px(self, x, params):
        """log p(x|z) of raw windows, in nats (normalised density plus the Jacobian)."""
        return super().log_px(self._standardize(x), params) + self._log_jacobian()

    def _denormalize(self, values):
        loc, scale = self.normalization()
        return values * np.array(scale, "float32") + np.array(loc, "float32")

    def decode(self, z, labels=None, batch_size=512):
        """Mean window E[x|z] in raw units, shape (batch, window, channels)."""
        return self._denormalize(super().decode(z, labels, batch_size))

    def call(self, inputs, training=False):
        return super().call(inputs, training=training) * self.standardize.scale + self.standardize.loc

    # ----- scoring -----------------------------------------------------------------------
    def window_scores(self, windows, batch_size=4096):
        """Deterministic anomaly scores of raw windows, at the posterior mean (no noise).

        Args:
            windows: float array (batch, window, channels) of raw values.
            batch_size: windows per call.

        Returns:
            {"elbo": negative ELBO per window, ``-log p(x|z_mean) + KL``, in nats;
             "last": ``-log p(x_T|z_mean)`` of each window's last time step (all channels), in nats}.
        """
        x, _ = self._check(windows, None)
        elbo, last = [], []
        for s in self._batches(len(x), batch_size):
            xb = ops.convert_to_tensor(x[s])
            z_mean, z_log_var = self.encoder([xb])
            params = self.decoder([z_mean])
            element = self.likelihood.elementwise_log_prob(self._standardize(xb), params)
            element = element - ops.log(self.standardize.scale)
            kl = likelihoods_lib.gaussian_kl(z_mean, z_log_var)
            elbo.append(ops.convert_to_numpy(-ops.sum(element, axis=(1, 2)) + kl))
            last.append(ops.convert_to_numpy(-ops.sum(element[:, -1, :], axis=-1)))
        empty = np.zeros(0, "float32")
        return {"elbo": np.concatenate(elbo) if elbo else empty, "last": np.concatenate(last) if last else empty}

    def get_config(self):
        config = super().get_config()
        config.update(
            body=self.body,
            hidden_units=list(self.hidden_units),
            filters=list(self.filters),
            activation=self.activation,
            **dict(zip(("loc", "scale"), self.normalization())),
        )
        return config


__all__ = ["TimeSeriesVAE", "Standardize", "fit_normalization", "sliding_windows", "BODIES"]
