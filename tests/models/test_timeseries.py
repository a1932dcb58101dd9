"""TimeSeriesVAE: windowing, normalisation, the three bodies, the raw-value likelihood, saving."""

import keras
import numpy as np
import pytest

from keras_vae.models.timeseries import TimeSeriesVAE, fit_normalization, sliding_windows


def test_sliding_windows_end_at_each_row():
    w = sliding_windows(np.arange(6.0), 3)
    assert w.shape == (4, 3, 1) and w.dtype == np.float32
    np.testing.assert_array_equal(w[:, :, 0], [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]])
    multi = sliding_windows(np.stack([np.arange(5.0), -np.arange(5.0)], axis=1), 2)
    np.testing.assert_array_equal(multi[3], [[3, -3], [4, -4]])
    assert sliding_windows(np.arange(2.0), 3).shape == (0, 3, 1)


def test_fit_normalization_per_channel_and_constant_channels():
    x = np.stack([np.array([1.0, 3.0, 5.0, 7.0]), np.full(4, 100.0)], axis=1)
    loc, scale = fit_normalization(x)
    assert loc == [4.0, 100.0]
    assert scale[0] == pytest.approx(np.sqrt(5.0)) and scale[1] == pytest.approx(0.1)  # floor 1e-3 * |loc|


def tiny(body, **kwargs):
    return TimeSeriesVAE(window=8, channels=2, body=body, latent_dim=2, hidden_units=(8,), filters=(4,), seed=0, **kwargs)


@pytest.mark.parametrize("body", ["dense", "conv", "gru"])
def test_bodies_train_through_the_base_and_round_trip(body, tmp_path):
    rng = np.random.default_rng(0)
    values = np.stack([np.sin(np.arange(60) / 3), np.cos(np.arange(60) / 5)], axis=1) * 10 + 50
    values += rng.normal(0, 0.1, values.shape)
    model = tiny(body, **dict(zip(("loc", "scale"), fit_normalization(values))))
    model.compile(optimizer="adam", jit_compile=False)
    x = sliding_windows(values, 8)
    history = model.fit(x, epochs=2, batch_size=16, verbose=0)
    assert set(history.history) >= {"loss", "elbo", "kl", "reconstruction"}  # the base's metrics
    scores = model.window_scores(x)
    assert scores["elbo"].shape == scores["last"].shape == (len(x),)
    recon = model.reconstruct(x[:3])
    assert recon.shape == (3, 8, 2) and abs(float(recon.mean()) - 50) < 20  # raw units, not normalised
    path = tmp_path / f"{body}.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert type(restored) is TimeSeriesVAE and restored.get_config() == model.get_config()
    assert restored.normalization() == model.normalization()
    np.testing.assert_array_equal(restored.window_scores(x)["elbo"], scores["elbo"])


def test_log_density_is_in_raw_units():
    # The same normalised windows at two scales: scores differ by exactly the Jacobian.
    rng = np.random.default_rng(1)
    base = rng.normal(size=(40, 2))
    model = tiny("dense")
    a, b = 7.0, -3.0
    model.set_normalization(*fit_normalization(base))
    s1 = model.window_scores(sliding_windows(base, 8))
    model.set_normalization(*fit_normalization(a * base + b))
    s2 = model.window_scores(sliding_windows(a * base + b, 8))
    np.testing.assert_allclose(s2["elbo"] - s1["elbo"], 8 * 2 * np.log(a), rtol=1e-4)
    np.testing.assert_allclose(s2["last"] - s1["last"], 2 * np.log(a), rtol=1e-3)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown body 'lstm'"):
        TimeSeriesVAE(body="lstm")
    with pytest.raises(ValueError, match="window 10 must be divisible by 2\\*\\*len\\(filters\\) = 4"):
        TimeSeriesVAE(window=10, body="conv", filters=(4, 8))
    with pytest.raises(ValueError, match="scale must be positive"):
        TimeSeriesVAE(window=8, loc=[0.0], scale=[0.0])
    with pytest.raises(ValueError, match=r"images must have shape \(batch, 8, 2\)"):
        tiny("dense").window_scores(np.zeros((3, 8, 1), "float32"))
