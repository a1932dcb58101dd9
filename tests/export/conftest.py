"""Tiny models of each family and a quick export helper for the export tests."""

import pytest

# dense in the slow run (suite budget): its TFLite fixture (four variants, int8 calibration) took 20 s;
# the harness's ONNX parity covers dense models by default.
FAMILIES = (pytest.param("dense", marks=pytest.mark.slow), "conv", "conditional")


def tiny_model(family):
    from keras_vae.models import ConvVAE, DenseVAE

    if family == "dense":
        return DenseVAE(latent_dim=2, hidden_units=(32,), seed=0)
    if family == "conv":
        return ConvVAE(latent_dim=2, filters=(8, 16), hidden_units=16, seed=0)
    return ConvVAE(num_classes=10, latent_dim=2, filters=(8, 16), hidden_units=16, seed=0)


@pytest.fixture(scope="session")
def make_tiny():
    """make_tiny(family) -> a fresh tiny untrained model of that family."""
    return tiny_model


@pytest.fixture(scope="module", params=FAMILIES)
def family_model(request):
    """(family name, tiny untrained model), once per family and test module."""
    return request.param, tiny_model(request.param)


@pytest.fixture(scope="module")
def quick_export():
    """export() with the model's own samples and small batches, so each call takes seconds."""
    from keras_vae.export import export

    def run(model, out, formats, **kwargs):
        kwargs.setdefault("reference", "samples")
        kwargs.setdefault("verify_examples", 8)
        kwargs.setdefault("calibration_examples", 32)
        return export(model, out, formats, **kwargs)

    return run


@pytest.fixture(scope="session")
def random_feeds():
    """random_feeds(model, n) -> {graph: {input name: array}} of random inputs."""
    return _random_feeds


def _random_feeds(model, n, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    images = (rng.random((n,) + model.image_shape) < 0.3).astype("float32")
    label = {"label": (np.arange(n) % model.num_classes).astype("int32")} if model.conditional else {}
    latent = rng.standard_normal((n, model.latent_dim)).astype("float32")
    return {
        "encoder": {"image": images, **label},
        "decoder": {"z": latent, **label},
        "scorer": {"image": images, **label, "noise": latent},
    }
