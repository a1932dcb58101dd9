"""Checks every model family runs through (keras-hub's run_backbone_test idea)."""

import keras
import numpy as np


def tiny_models():
    from keras_vae.models import ConditionalVAE, ConvVAE, DenseVAE

    return {
        "dense": lambda: DenseVAE(latent_dim=3, hidden_units=(32,), seed=1),
        "conv": lambda: ConvVAE(latent_dim=3, filters=(4, 8), hidden_units=16, seed=1),
        "conditional_conv": lambda: ConditionalVAE(num_classes=10, latent_dim=3, filters=(4, 8), hidden_units=16, seed=1),
        "conditional_dense": lambda: ConditionalVAE(num_classes=10, body="dense", latent_dim=3, hidden_units=(32,), seed=1),
    }


def labels_for(model, n):
    return (np.arange(n) % model.num_classes).astype("int32") if model.conditional else None


def run_shape_test(model, x):
    y = labels_for(model, len(x))
    z_mean, z_log_var = model.encode(x, y)
    assert z_mean.shape == z_log_var.shape == (len(x), model.latent_dim)
    decoded = model.decode(z_mean, y)
    assert decoded.shape == x.shape
    assert decoded.min() >= 0 and decoded.max() <= 1  # Bernoulli means are probabilities
    assert model.reconstruct(x, y).shape == x.shape
    assert model.sample(5, seed=3).shape == (5,) + x.shape[1:]
    np.testing.assert_array_equal(model.sample(5, seed=3), model.sample(5, seed=3))
    elbo = model.elbo(x, y)
    ll = model.log_likelihood(x, y, k=20)
    assert elbo.shape == ll.shape == (len(x),)
    assert np.all(np.isfinite(ll))


def run_saving_test(model, x, path):
    y = labels_for(model, len(x))
    model.save(path)
    restored = keras.saving.load_model(path)
    assert type(restored) is type(model)
    assert restored.get_config() == model.get_config()
    np.testing.assert_array_equal(restored.reconstruct(x, y), model.reconstruct(x, y))
    np.testing.assert_array_equal(restored.log_likelihood(x, y, k=10), model.log_likelihood(x, y, k=10))
