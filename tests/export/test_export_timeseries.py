"""A time-series VAE exports through the same pipeline; onnxruntime scores raw windows without TensorFlow."""

import numpy as np


def test_onnx_scorer_matches_window_scores(quick_export, tmp_path):
    import onnxruntime as ort

    from keras_vae.models.timeseries import TimeSeriesVAE, fit_normalization, sliding_windows

    rng = np.random.default_rng(0)
    values = 40 + 5 * np.sin(np.arange(200) / 4) + rng.normal(0, 0.5, 200)
    loc, scale = fit_normalization(values[:150])
    model = TimeSeriesVAE(window=16, latent_dim=3, hidden_units=(16,), loc=loc, scale=scale, seed=0)
    manifest = quick_export(model, tmp_path / "ts", "onnx")
    assert manifest["image_shape"] == [16, 1] and manifest["verification"]["passed"]
    assert manifest["model"]["class"] == "TimeSeriesVAE"

    windows = sliding_windows(values, 16)  # raw values: the normalisation is inside the graph
    session = ort.InferenceSession(str(tmp_path / "ts" / "scorer.onnx"), providers=["CPUExecutionProvider"])
    feed = {"image": windows, "noise": np.zeros((len(windows), 3), "float32")}
    score = session.run(["score"], feed)[0]
    np.testing.assert_allclose(score, model.window_scores(windows)["elbo"], rtol=1e-4, atol=1e-3)
