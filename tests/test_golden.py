"""The committed tiny golden model still loads and gives its stored outputs (see tests/golden/make_golden.py)."""

import importlib.util
from pathlib import Path

import keras
import numpy as np

GOLDEN = Path(__file__).resolve().parent / "golden"
SEEDED = ("elbo", "log_likelihood")  # depend on the backend's random streams


def _script():
    spec = importlib.util.spec_from_file_location("make_golden", GOLDEN / "make_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_golden_model_reproduces_its_stored_outputs():
    from keras_vae.saving import load_model

    script = _script()
    model = load_model(script.MODEL)
    assert type(model).__name__ == "ConvVAE" and model.num_classes == 10 and model.latent_dim == 2
    expected = np.load(script.EXPECTED)
    x, y, z = expected["x"], expected["y"], expected["z"]
    got = script.outputs(model, x, y, z)
    assert set(got) == set(expected.files) - {"x", "y", "z"}
    for name, value in got.items():
        if name in SEEDED and keras.backend.backend() != "tensorflow":
            continue
        np.testing.assert_allclose(value, expected[name], rtol=1e-5, atol=1e-5, err_msg=name)


def test_golden_outputs_are_not_degenerate():
    """The reference is worth comparing with: finite, varied, bounds in the right order."""
    expected = np.load(_script().EXPECTED)
    for name in expected.files:
        assert np.all(np.isfinite(expected[name])), name
    assert np.ptp(expected["z_mean"]) > 1e-3 and np.ptp(expected["decoded"]) > 1e-3
    assert np.mean(expected["log_likelihood"]) > np.mean(expected["elbo"])
