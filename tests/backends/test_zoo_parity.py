"""Shipped weights give TensorFlow's numbers on every backend.

``golden.npz`` holds TensorFlow's outputs for the first 16 binarised MNIST test images
(posterior parameters, decoded means, log p(x|z_mean)) and the single-sample test ELBO
over the first 1000 images, for each shipped recipe checked here. It was written by

    KERAS_BACKEND=tensorflow python tests/backends/test_zoo_parity.py --write

and under TensorFlow this test checks that it still matches, so it cannot go stale.
Deterministic outputs agree to float32 tolerance; the ELBO draws backend-specific noise
(Keras' random streams differ per backend), so it agrees within its Monte Carlo error.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.backends

GOLDEN = Path(__file__).with_name("golden.npz")
RECIPES = ("dense_mnist", "conv_mnist", "cvae_mnist", "m2_mnist")
N_EXACT, N_ELBO = 16, 1000
ELBO_TOLERANCE = 0.5  # nats: about 5 standard errors of a 1000-image single-sample mean (measured ~0.1)


def outputs(name, images, labels):
    """The figures compared across backends, as float32 numpy arrays."""
    from keras import ops

    from keras_vae import zoo

    model = zoo.load(name)
    cond = model.conditional and not getattr(model, "labels_optional", False)
    x, y = images[:N_EXACT], labels[:N_EXACT]
    y_in = y if model.conditional else None  # M2 takes the true label for q(z|x,y)
    z_mean, z_log_var = model.encode(x, y_in)
    decoded = model.decode(z_mean, y_in)
    params = model.decode_params(z_mean, y_in)
    log_px = ops.convert_to_numpy(model.log_px(x, params))
    elbo = model.elbo(images[:N_ELBO], labels[:N_ELBO] if cond else None, seed=0)
    return {
        f"{name}/z_mean": z_mean, f"{name}/z_log_var": z_log_var, f"{name}/decoded": decoded,
        f"{name}/log_px_at_mean": log_px, f"{name}/test_elbo": np.float32(np.mean(elbo)),
    }


@pytest.mark.parametrize("name", RECIPES)
def test_zoo_matches_tensorflow(name, mnist_test):
    import keras

    golden = np.load(GOLDEN)
    got = outputs(name, *mnist_test)
    for key in ("z_mean", "z_log_var", "decoded"):
        np.testing.assert_allclose(got[f"{name}/{key}"], golden[f"{name}/{key}"], rtol=1e-4, atol=2e-5, err_msg=key)
    np.testing.assert_allclose(got[f"{name}/log_px_at_mean"], golden[f"{name}/log_px_at_mean"], rtol=1e-5, atol=1e-3)
    tolerance = 1e-4 if keras.backend.backend() == "tensorflow" else ELBO_TOLERANCE
    assert abs(float(got[f"{name}/test_elbo"]) - float(golden[f"{name}/test_elbo"])) < tolerance


if __name__ == "__main__" and "--write" in sys.argv:
    import keras

    from keras_vae.evaluation import binarized_test_set

    assert keras.backend.backend() == "tensorflow", "the golden file holds TensorFlow's outputs"
    arrays = binarized_test_set("mnist", str(Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist"))
    figures = {}
    for recipe in RECIPES:
        figures.update(outputs(recipe, *arrays))
        print(recipe, "test ELBO", figures[f"{recipe}/test_elbo"])
    np.savez_compressed(GOLDEN, **figures)
    print("wrote", GOLDEN)
