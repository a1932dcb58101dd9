"""A streaming anomaly detector over a time series, following NAB's rules.

For a series of ``n`` rows the detector

1. learns only from the probationary period, the first ``P = min(floor(0.15 n), 750)``
   rows (NAB's definition, ``nab_scoring.probation_length``): the normalisation
   (``fit_normalization``) and a ``TimeSeriesVAE`` trained on the windows of the first
   ``P - calibration_rows`` rows, through the model's own ``fit`` (the base train step);
2. scores the window ending at each row ``t``, which holds rows ``t - window + 1 .. t`` only
   (``raw_scores``): the negative log-likelihood of its last step given the posterior mean
   (``score="last"``) or the window's negative ELBO (``score="elbo"``), in nats;
3. turns raw scores into an anomaly score in [0, 1] that is comparable across series
   (``postprocess``), in the spirit of HTM's anomaly likelihood: the mean of the last
   ``short_window`` raw scores, as a z-score against the mean and standard deviation of
   the raw scores seen before (from the calibration rows on, at most ``history`` of them,
   re-estimated every ``reestimate_every`` rows), mapped by ``z / (z + z_half)`` (0 for
   z <= 0); after a score at or above ``alarm`` the next ``suppress`` rows are damped by
   ``suppress_factor``, so that one event does not ring as many false positives.

Every score at row ``t`` depends on rows ``<= t`` and on the probationary rows only (the
probationary rows themselves score 0: NAB does not score them): the no-look-ahead test in
``tests/tasks/test_streaming.py`` alters the data after ``t`` and checks the scores up to ``t``.

Example:
>>> from keras_vae.tasks.streaming import DetectorConfig, detect
>>> result = detect(series.values, DetectorConfig())
>>> result.scores  # (n,) in [0, 1]
"""

import dataclasses

import numpy as np

from keras_vae.tasks.nab_scoring import PROBATION_PERCENT, probation_length

SCORES = ("last", "elbo")
# Anomaly score from which `keras-vae detect` flags a row: the standard-profile threshold
# that NAB's optimiser picked for this detector's default settings on the NAB corpus
# (a global setting tuned on the benchmark; see README "Anomaly detection on NAB").
DEFAULT_THRESHOLD = 0.551


@dataclasses.dataclass(frozen=True)
class DetectorConfig:
    """Settings of the detector (global: the same for every series).

    Args:
        window: time steps per window.
        body: ``TimeSeriesVAE`` body: ``"dense"``, ``"conv"`` or ``"gru"``.
        latent_dim: size of z.
        hidden_units: dense widths.
        filters: conv channels (``"conv"`` body).
        epochs: training epochs over the probationary windows.
        batch_size: windows per step.
        learning_rate: Adam's step size.
        calibration_rows: probationary rows held out of training; their windows start the
            raw-score history (as a fraction of the probation if < 1).
        score: ``"last"`` or ``"elbo"`` (see the module docstring).
        short_window: raw scores averaged into the current one.
        history: trailing raw scores behind the z-score's mean and deviation.
        reestimate_every: rows between re-estimates of that mean and deviation.
        robust: use the median and 1.4826 x the median absolute deviation instead of the
            mean and standard deviation.
        z_half: z-score that maps to an anomaly score of 0.5.
        alarm: anomaly score from which the suppression starts.
        suppress: rows damped after an alarm (as a fraction of the probation if < 1).
        suppress_factor: multiplier of the damped scores.
        seed: seed of the weights and the training noise.
        probation_percent: NAB's probationary fraction.
    """

    window: int = 32
    body: str = "dense"
    latent_dim: int = 4
    hidden_units: tuple = (64, 32)
    filters: tuple = (16, 32)
    epochs: int = 30
    batch_size: int = 64
    learning_rate: float = 1e-3
    calibration_rows: float = 0.2
    score: str = "elbo"
    short_window: int = 1
    history: int = 2000
    reestimate_every: int = 10
    robust: bool = False
    z_half: float = 3.0
    alarm: float = 0.55
    suppress: float = 0.17
    suppress_factor: float = 0.0
    seed: int = 0
    probation_percent: float = PROBATION_PERCENT

    def __post_init__(self):
        if self.score not in SCORES:
            raise ValueError(f"unknown score {self.score!r}; expected one of {', '.join(SCORES)}")
        for name in ("window", "epochs", "batch_size", "short_window", "history", "reestimate_every", "latent_dim"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.z_half <= 0:
            raise ValueError(f"z_half must be > 0, got {self.z_half}")

    def rows(self, value, probation):
        """``value`` rows, or ``value * probation`` rows if ``value < 1``."""
        return int(round(value * probation)) if value < 1 else int(value)

    def to_dict(self):
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}


@dataclasses.dataclass
class Detection:
    """Result of ``detect`` for one series.

    Args:
        scores: anomaly scores in [0, 1], (n,).
        raw: raw scores in nats, (n,), NaN before the first full window.
        raw_all: {score name: raw scores} for every name in ``SCORES``.
        probation: probationary rows (scores there are 0).
        model: the trained ``TimeSeriesVAE``.
        train_seconds: wall time of the training.
    """

    scores: np.ndarray
    raw: np.ndarray
    raw_all: dict
    probation: int
    model: object
    train_seconds: float


def _as_2d(values):
    values = np.asarray(values, "float64")
    values = values[:, None] if values.ndim == 1 else values
    if values.ndim != 2:
        raise ValueError(f"values must have shape (time,) or (time, channels), got {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("values contain NaN or infinite numbers")
    return values


def split(n, config):
    """``(probation, train_rows)``: rows scored 0 and rows the model trains on."""
    probation = int(probation_length(n, config.probation_percent))
    train_rows = probation - config.rows(config.calibration_rows, probation)
    if train_rows < config.window + 1:
        raise ValueError(
            f"a series of {n} rows has a probationary period of {probation} rows, {train_rows} of them for "
            f"training: too few for windows of {config.window} steps; use a longer series or a shorter window"
        )
    return probation, train_rows


def train_model(train_values, config, verbose=0, cache=None):
    """A ``TimeSeriesVAE`` normalised on and trained on ``train_values`` only.

    Args:
        train_values: (n,) or (n, channels) training rows.
        config: a ``DetectorConfig``.
        verbose: Keras ``fit`` verbosity.
        cache: optional dict. Series after the first reuse its compiled model, reset to the
            same initial weights and a fresh optimiser state: Keras then traces the train
            step once, not once per series (about 3 s of CPU each here). The returned model
            is that shared object, overwritten by the next series.
    """
    import keras
    from keras import ops

    from keras_vae.models.timeseries import TimeSeriesVAE, fit_normalization, sliding_windows

    train_values = _as_2d(train_values)
    key = train_values.shape[1]
    if cache is not None and key in cache:
        model, initial, noise_state = cache[key]
        model.set_weights(initial)
        model.seed_generator.state.assign(noise_state)
        for v in model.optimizer.variables:  # step count and moments back to 0; not the learning rate
            if "learning_rate" not in v.path:
                v.assign(ops.zeros_like(v))
    else:
        keras.utils.set_random_seed(config.seed)  # the initial weights
        model = TimeSeriesVAE(
            window=config.window, channels=train_values.shape[1], body=config.body, latent_dim=config.latent_dim,
            hidden_units=config.hidden_units, filters=config.filters, seed=config.seed,
        )
        model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), jit_compile=False)
        if cache is not None:
            cache[key] = (model, model.get_weights(), ops.convert_to_numpy(model.seed_generator.state))
    model.set_normalization(*fit_normalization(train_values))
    windows = sliding_windows(train_values, config.window)
    keras.utils.set_random_seed(config.seed)
    model.fit(windows, epochs=config.epochs, batch_size=config.batch_size, shuffle=True, verbose=verbose)
    return model


def raw_scores(model, values, config):
    """Raw scores of the window ending at each row, {score name: (n,)}, NaN for the first ``window - 1`` rows."""
    from keras_vae.models.timeseries import sliding_windows

    values = _as_2d(values)
    out = {name: np.full(len(values), np.nan) for name in SCORES}
    if len(values) >= config.window:
        for name, v in model.window_scores(sliding_windows(values, config.window)).items():
            out[name][config.window - 1:] = v
    return out


def postprocess(raw, probation, start, config):
    """Anomaly scores in [0, 1] from raw scores, causally (see the module docstring).

    Args:
        raw: raw scores (n,), NaN where undefined.
        probation: rows scored 0.
        start: first row whose raw score enters the history (the calibration rows).
        config: a ``DetectorConfig``.
    """
    raw = np.asarray(raw, "float64")
    n = len(raw)
    k = config.short_window
    filled = np.where(np.isfinite(raw), raw, np.nan)
    # Trailing mean of the last k raw scores (fewer at the start of the defined part).
    smooth = np.full(n, np.nan)
    valid = np.nonzero(np.isfinite(filled))[0]
    if len(valid):
        first = valid[0]
        c = np.concatenate([[0.0], np.cumsum(filled[first:])])
        idx = np.arange(n - first)
        lo = np.maximum(0, idx - k + 1)
        smooth[first:] = (c[idx + 1] - c[lo]) / (idx + 1 - lo)
    start = max(start, int(valid[0]) if len(valid) else n)
    scores = np.zeros(n)
    mu = sigma = None
    suppress_rows = config.rows(config.suppress, probation)
    quiet_until = -1
    for t in range(probation, n):
        if mu is None or (t - probation) % config.reestimate_every == 0:
            past = smooth[max(start, t - config.history):t]
            past = past[np.isfinite(past)]
            if len(past) >= 2:
                if config.robust:
                    mu = float(np.median(past))
                    sigma = 1.4826 * float(np.median(np.abs(past - mu)))
                else:
                    mu, sigma = float(past.mean()), float(past.std())
        if mu is None or not np.isfinite(smooth[t]):
            continue
        z = (smooth[t] - mu) / max(sigma, 1e-6 * max(1.0, abs(mu)))
        s = z / (z + config.z_half) if z > 0 else 0.0
        if t <= quiet_until:
            s *= config.suppress_factor
        elif s >= config.alarm:
            quiet_until = t + suppress_rows
        scores[t] = s
    return scores


def detect(values, config=None, verbose=0, cache=None):
    """Runs the detector over one series (NAB's streaming rules; see the module docstring).

    Args:
        values: (n,) or (n, channels) values in time order.
        config: a ``DetectorConfig`` (default settings if None).
        verbose: Keras ``fit`` verbosity.
        cache: a dict shared across calls to reuse one compiled model (``train_model``).

    Returns:
        a ``Detection``.
    """
    import time

    config = config or DetectorConfig()
    values = _as_2d(values)
    probation, train_rows = split(len(values), config)
    t0 = time.perf_counter()
    model = train_model(values[:train_rows], config, verbose=verbose, cache=cache)
    seconds = time.perf_counter() - t0
    raw = raw_scores(model, values, config)
    start = train_rows if train_rows < probation else config.window - 1
    scores = postprocess(raw[config.score], probation, start, config)
    return Detection(scores, raw[config.score], raw, probation, model, seconds)
