"""The runtime's outputs equal the Keras model's, on onnxruntime and LiteRT (float32), within 1e-4."""

import numpy as np
import pytest

from keras_vae.runtime import ExportedVAE

TOLERANCE = 1e-4
EXACT_BACKENDS = [("onnxruntime", None), ("litert", "float32")]


def _labels(model, n):
    return (np.arange(n) * 3 % model.num_classes).astype("int32") if model.conditional else None


@pytest.fixture(params=["unconditional", "conditional"])
def case(request, exported):
    return exported[request.param]


@pytest.mark.parametrize("backend,variant", EXACT_BACKENDS)
def test_encode_decode_reconstruct_match_keras(case, images, backend, variant):
    model, folder = case
    vae = ExportedVAE(folder, backend=backend, variant=variant)
    y = _labels(model, len(images))
    for got, want in zip(vae.encode(images, y), model.encode(images, y)):
        np.testing.assert_allclose(got, want, atol=TOLERANCE, rtol=0)
    z = np.random.default_rng(1).standard_normal((len(images), model.latent_dim)).astype("float32")
    np.testing.assert_allclose(vae.decode(z, y), model.decode(z, y), atol=TOLERANCE, rtol=0)
    np.testing.assert_allclose(vae.reconstruct(images, y), model.reconstruct(images, y), atol=TOLERANCE, rtol=0)


@pytest.mark.parametrize("backend,variant", EXACT_BACKENDS)
def test_score_matches_the_keras_negative_elbo(case, images, backend, variant):
    from keras import ops

    from keras_vae import likelihoods

    model, folder = case
    vae = ExportedVAE(folder, backend=backend, variant=variant)
    y = _labels(model, len(images))
    noise = np.random.default_rng(2).standard_normal((len(images), model.latent_dim)).astype("float32")
    for eps in (np.zeros_like(noise), noise):
        # The negative ELBO at z = z_mean + exp(z_log_var / 2) * eps, in Keras.
        z_mean, z_log_var = model.encode(images, y)
        z = z_mean + np.exp(0.5 * z_log_var) * eps
        params = model.decode_params(z, y)
        want = ops.convert_to_numpy(-model.likelihood.log_prob(images, params) + likelihoods.gaussian_kl(z_mean, z_log_var))
        score, recon = vae.score(images, y, noise=eps, return_reconstruction=True)
        np.testing.assert_allclose(score, want, atol=TOLERANCE, rtol=1e-5)
        np.testing.assert_allclose(recon, model.decode(z, y), atol=TOLERANCE, rtol=0)
    np.testing.assert_array_equal(vae.score(images, y), vae.score(images, y, noise=np.zeros_like(noise)))
    np.testing.assert_array_equal(vae.score(images, y, seed=3), vae.score(images, y, seed=3))


@pytest.mark.parametrize("backend,variant", EXACT_BACKENDS)
def test_sample_is_numpy_seeded_decode(case, backend, variant):
    model, folder = case
    vae = ExportedVAE(folder, backend=backend, variant=variant)
    z = np.random.default_rng(7).standard_normal((5, model.latent_dim), dtype=np.float32)
    labels = np.arange(5) % model.num_classes if model.conditional else None  # VAE.sample's default
    np.testing.assert_allclose(vae.sample(5, seed=7), model.decode(z, labels), atol=TOLERANCE, rtol=0)
    np.testing.assert_array_equal(vae.sample(5, seed=7), vae.sample(5, seed=7))


def test_int8_is_close_and_in_range(exported, images):
    model, folder = exported["unconditional"]
    vae = ExportedVAE(folder, backend="litert", variant="int8")
    z = np.random.default_rng(1).standard_normal((len(images), model.latent_dim)).astype("float32")
    got = vae.decode(z)
    assert got.dtype == np.float32 and got.shape == images.shape
    assert 0 <= got.min() and got.max() <= 1
    assert np.abs(got - model.decode(z)).mean() < 0.05  # quantised: close, not exact


@pytest.mark.parametrize("backend,variant", EXACT_BACKENDS)
def test_batching_and_empty_batches(exported, images, backend, variant):
    model, folder = exported["conditional"]
    vae = ExportedVAE(folder, backend=backend, variant=variant)
    y = _labels(model, len(images))
    np.testing.assert_allclose(vae.reconstruct(images, y, batch_size=4), vae.reconstruct(images, y), atol=1e-6, rtol=0)
    empty = np.zeros((0, 28, 28, 1), "float32")
    z_mean, z_log_var = vae.encode(empty, labels=np.zeros(0, "int32"))
    assert z_mean.shape == z_log_var.shape == (0, 3)
    assert vae.score(empty, labels=[]).shape == (0,)


def test_properties_and_lazy_sessions(exported):
    model, folder = exported["conditional"]
    vae = ExportedVAE(folder)
    assert (vae.image_shape, vae.latent_dim, vae.conditional, vae.num_classes) == ((28, 28, 1), 3, True, 10)
    assert vae.value_range == (0.0, 1.0) and vae.label_names == [str(i) for i in range(10)]
    assert "onnxruntime" in repr(vae)
    vae.decode(np.zeros((1, 3), "float32"), [0])
    assert sorted(vae._sessions) == ["decoder"]  # the encoder and scorer were never opened
