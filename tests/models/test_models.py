import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import tiny_models

# Shapes, saving and export of every family and recipe: tests/test_harness.py. Here: training.
# M2 trains on semi-supervised batches (tests/models/test_semi_supervised.py); the alias is conditional_dense.
FAMILIES = ["conditional_conv", "conditional_dense", "conv", "dense"]


@pytest.mark.parametrize("family", FAMILIES)
def test_fit_few_steps_on_real_fixture(family, mnist_fixture):
    images, labels = mnist_fixture
    x = (images > 0.5).astype("float32")
    keras.utils.set_random_seed(0)  # weight init too, so the run is the same every time
    model = tiny_models()[family]()
    data = (x, labels) if model.conditional else x
    ds = tf.data.Dataset.from_tensor_slices(data).batch(32)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), jit_compile=False)
    before = model.evaluate(ds, verbose=0, return_dict=True)
    history = model.fit(ds, epochs=5, verbose=0).history
    after = model.evaluate(ds, verbose=0, return_dict=True)
    assert set(history) >= {"loss", "reconstruction", "kl", "elbo"}
    assert after["elbo"] > before["elbo"] + 50  # nats: from ~545 (random init) down by 100-300
    # The reported ELBO is -(reconstruction + KL), in nats per example.
    np.testing.assert_allclose(after["elbo"], -(after["reconstruction"] + after["kl"]), rtol=1e-5)


def test_kl_warmup_ramps_the_weight():
    from keras_vae.models import DenseVAE

    model = DenseVAE(latent_dim=2, hidden_units=(8,), beta=2.0, kl_warmup_steps=10)
    weights = [float(model.kl_weight(step)) for step in (0, 4, 9, 50)]
    np.testing.assert_allclose(weights, [0.2, 1.0, 2.0, 2.0], rtol=1e-6)
    assert float(DenseVAE(latent_dim=2, hidden_units=(8,), beta=0.5).kl_weight(0)) == 0.5


def test_elbo_matches_numpy_reference(binary_images):
    """With the posterior variance pinned to ~0, z is exactly z_mean and the ELBO has a closed form."""
    from keras_vae.models import DenseVAE

    model = DenseVAE(latent_dim=3, hidden_units=(16,), seed=0)
    layer = model.encoder.get_layer("z_log_var")
    kernel, bias = layer.get_weights()
    layer.set_weights([np.zeros_like(kernel), np.full_like(bias, -40.0)])
    x = binary_images
    z_mean, z_log_var = model.encode(x)
    logits = keras.ops.convert_to_numpy(model.decoder(z_mean))
    log_px = np.sum(x * np.log(1 / (1 + np.exp(-logits))) + (1 - x) * np.log(1 - 1 / (1 + np.exp(-logits))), axis=(1, 2, 3))
    var = np.exp(z_log_var.astype("float64"))
    kl = 0.5 * np.sum(var + z_mean**2 - 1 - z_log_var, axis=1)
    np.testing.assert_allclose(model.elbo(x, seed=5), log_px - kl, rtol=1e-4, atol=1e-3)
    reconstruction, kl_tf = model.elbo_terms(x)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(kl_tf), kl, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(reconstruction), -log_px, rtol=1e-4, atol=1e-3)


def test_iwae_approaches_exact_log_likelihood_of_linear_gaussian_model():
    """A linear decoder with Gaussian noise has log p(x) = log N(x; b, W^T W + s^2 I) in closed form.

    With W's rows orthogonal the true posterior is a diagonal Gaussian, so an encoder set to
    it makes every importance weight equal p(x): the estimate is exact for any k. A
    perturbed encoder gives a loose k=1 bound that k=5000 closes.
    """
    from keras_vae.likelihoods import Gaussian
    from keras_vae.models import DenseVAE

    s = 0.5
    model = DenseVAE(image_shape=(2, 2, 1), latent_dim=2, hidden_units=(), likelihood=Gaussian(scale=s), seed=0)
    rng = np.random.default_rng(0)
    w = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, -1.0]], "float32")  # z (2) -> x (4), orthogonal rows
    b = rng.normal(size=4).astype("float32") * 0.1
    model.decoder.get_layer("decoder_params").set_weights([w, b])
    x = rng.normal(size=(6, 2, 2, 1)).astype("float32")
    cov = w.T @ w + s**2 * np.eye(4)
    diff = x.reshape(6, 4) - b
    exact = -0.5 * (
        np.einsum("ni,ij,nj->n", diff, np.linalg.inv(cov), diff) + np.log(np.linalg.det(cov)) + 4 * np.log(2 * np.pi)
    )

    post_var = 1.0 / (1.0 + np.sum(w**2, axis=1) / s**2)  # diagonal since W W^T is
    kernel = (w.T * post_var) / s**2
    model.encoder.get_layer("z_mean").set_weights([kernel, -b @ kernel])
    model.encoder.get_layer("z_log_var").set_weights([np.zeros_like(kernel), np.log(post_var).astype("float32")])
    np.testing.assert_allclose(model.log_likelihood(x, k=1, seed=1), exact, atol=1e-4)
    np.testing.assert_allclose(model.log_likelihood(x, k=7, seed=1), exact, atol=1e-4)

    model.encoder.get_layer("z_mean").set_weights([kernel * 0.95, -b @ kernel + 0.05])
    elbo = model.log_likelihood(np.repeat(x, 500, axis=0), k=1, seed=1).reshape(6, 500).mean(axis=1)
    k5000 = model.log_likelihood(x, k=5000, seed=1)
    np.testing.assert_allclose(k5000, exact, atol=0.05)  # ~4 Monte Carlo std. errors
    assert np.all(exact - elbo > 0.01)  # the k=1 bound (the ELBO) is loose ...
    assert np.mean(exact - elbo) > 5 * np.mean(np.abs(exact - k5000))  # ... and tightens with k


def test_iwae_chunks_do_not_change_the_estimate(binary_images, monkeypatch):
    from keras_vae.models import base

    model = tiny_models()["conv"]()
    full = model.log_likelihood(binary_images, k=64, seed=2)
    monkeypatch.setattr(base, "DECODES_PER_CHUNK", 8 * 5)  # 5 samples per chunk, ragged last chunk
    chunked = model.log_likelihood(binary_images, k=64, seed=2)
    assert np.all(np.abs(full - chunked) < 1.0)  # different noise, same estimator
    assert np.all(np.isfinite(chunked))
