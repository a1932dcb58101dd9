"""The one test harness of keras_vae (keras-hub's ``run_*_test`` helpers, timm's tests over ``list_models()``).

- ``tiny_models()``: a tiny model of every family (conditional ones and M2 included).
- ``tiny_recipe_model(name)``: a zoo recipe's model with its widths shrunk, so every
  registered recipe is tested on its own class and options without its full size.
- ``run_shape_test``, ``run_saving_test``, ``run_export_parity_test``: what every model
  must pass; ``tests/test_harness.py`` runs them over the zoo and the families.
"""

import keras
import numpy as np
import pytest

# Widths that replace a recipe's own in its tiny variant; every other argument is kept.
TINY_WIDTHS = {"filters": (4, 8), "classifier_units": (16,), "m1_hidden_units": (16,), "units": 16, "embedding_dim": 8,
               "decoder_filters": (4, 8), "pixel_filters": 8}


def tiny_models():
    """{family: factory of a tiny untrained model}, one per family and conditioning."""
    from keras_vae.models import ConditionalVAE, ConvVAE, DenseVAE, PixelVAE, SemiSupervisedVAE

    return {
        "dense": lambda: DenseVAE(latent_dim=3, hidden_units=(32,), seed=1),
        "conv": lambda: ConvVAE(latent_dim=3, filters=(4, 8), hidden_units=16, seed=1),
        "conditional_conv": lambda: ConvVAE(num_classes=10, latent_dim=3, filters=(4, 8), hidden_units=16, seed=1),
        "conditional_dense": lambda: DenseVAE(num_classes=10, latent_dim=3, hidden_units=(32,), seed=1),
        "conditional_alias": lambda: ConditionalVAE(
            num_classes=10, body="dense", latent_dim=3, hidden_units=32, seed=1
        ),
        "m2": lambda: SemiSupervisedVAE(
            num_classes=10, latent_dim=3, hidden_units=(32,), classifier_units=(16,), alpha=5.0, seed=1
        ),
        # 4x4 images: generation is one decoder pass per pixel (16 here, 784 on MNIST), and
        # the shape test and the export's reference samples generate.
        "pixel": lambda: PixelVAE(
            image_shape=(4, 4, 1), latent_dim=4, filters=(8, 16), hidden_units=16, pixel_kernel=5, pixel_filters=8,
            decoder_filters=(4, 8), seed=1,
        ),
    }


def tiny_recipe_model(name):
    """Recipe ``name``'s model class and arguments, with its layer widths shrunk."""
    from keras_vae import data, models, zoo

    recipe = zoo.get(name)
    cls = getattr(models, recipe.model)
    tokens = getattr(cls, "data_kind", "images") == "tokens"  # a sequence model's length is its own argument
    args = {**({} if tokens else {"image_shape": data.get(recipe.dataset).image_shape}), **recipe.model_args}
    for key, value in TINY_WIDTHS.items():
        if key in args:
            args[key] = value
    if "hidden_units" in args:
        args["hidden_units"] = 16 if isinstance(args["hidden_units"], int) else (16,)
    return cls(**args)


def is_token_model(model):
    return getattr(model, "data_kind", "images") == "tokens"


def labels_for(model, n):
    return (np.arange(n) % model.num_classes).astype("int32") if model.conditional else None


def binary_images(model, n, seed=0):
    """A batch of data for ``model``: binary images, or random token sequences for a token model."""
    rng = np.random.default_rng(seed)
    if is_token_model(model):
        return token_sequences(model, n, rng)
    return (rng.random((n,) + model.image_shape) < 0.3).astype("float32")


def token_sequences(model, n, rng):
    """Random molecules' ids: tokens, <eos>, padding (float32, as the model takes them)."""
    from keras_vae.molecules.tokens import EOS_ID

    x = np.zeros((n, model.max_length), "float32")
    for i in range(n):
        length = int(rng.integers(1, model.max_length))
        x[i, :length] = rng.integers(3, model.vocab.size, length)
        x[i, length] = EOS_ID
    return x


def run_token_shape_test(model, x):
    """A token model's API: SMILES out of decode/reconstruct/sample, scores in nats, determinism."""
    z_mean, z_log_var = model.encode(x)
    assert z_mean.shape == z_log_var.shape == (len(x), model.latent_dim)
    decoded = model.decode(z_mean)
    assert len(decoded) == len(x) and all(s is None or isinstance(s, str) for s in decoded)
    assert model.reconstruct(x) == decoded
    samples = model.sample(5, seed=3)
    assert len(samples) == 5 and samples == model.sample(5, seed=3)
    elbo = model.elbo(x)
    ll = model.log_likelihood(x, k=20)
    assert elbo.shape == ll.shape == (len(x),)
    assert np.all(np.isfinite(ll)) and np.all(ll < 0)  # log-probabilities of discrete sequences
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model.posterior(x)[0]), z_mean, rtol=1e-6, atol=1e-6)
    assert np.mean(ll) > np.mean(elbo) - 1.0


def run_shape_test(model, x):
    """Shapes, ranges and determinism of the whole inference API."""
    if is_token_model(model):
        return run_token_shape_test(model, x)
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
    assert np.all(np.isfinite(ll)) and np.all(np.isfinite(elbo))
    # The posterior primitive is what the numpy API runs.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model.posterior(x, y)[0]), z_mean, rtol=1e-6, atol=1e-6)
    # A 20-sample IWAE bound is on average above the one-sample ELBO.
    assert np.mean(ll) > np.mean(elbo) - 1.0


def run_saving_test(model, x, path):
    """``.keras`` round trip: same class, config and outputs."""
    y = labels_for(model, len(x))
    model.save(path)
    restored = keras.saving.load_model(path)
    assert type(restored) is type(model)
    assert restored.get_config() == model.get_config()
    np.testing.assert_array_equal(restored.reconstruct(x, y), model.reconstruct(x, y))
    np.testing.assert_array_equal(restored.log_likelihood(x, y, k=10), model.log_likelihood(x, y, k=10))


def run_export_parity_test(model, out, batches=(1, 5), atol=1e-4):
    """ONNX export through ``keras_vae.export``, then the TF-free runtime against Keras at each batch size.

    The export verifies itself against Keras on its own batch; this checks what a user
    of ``keras_vae.runtime.ExportedVAE`` gets, on other batch sizes.
    """
    from keras_vae.export import export
    from keras_vae.runtime import ExportedVAE

    from keras_vae.runtime import ManifestError

    manifest = export(model, out, "onnx", reference="samples", verify_examples=4, calibration_examples=4)
    assert all(r["passed"] for r in manifest["verification"]["artifacts"])
    vae = ExportedVAE(out)
    assert (vae.latent_dim, vae.conditional) == (model.latent_dim, model.conditional)
    # A decoder with a context (autoregressive) has no graph: the manifest says why, decode repeats it.
    left_out = manifest.get("graphs_left_out", {})
    assert ("decoder" in left_out) == (model.context_input() is not None)
    assert ("decoder" in manifest["graphs"]) != ("decoder" in left_out)
    if left_out:
        assert "autoregressive" in left_out["decoder"] and not (out / "decoder.onnx").exists()
        for call in (lambda: vae.decode(np.zeros((1, model.latent_dim), "float32")), lambda: vae.sample(2)):
            with pytest.raises(ManifestError, match="has no decoder graph: .*autoregressive") as error:
                call()
            assert "\n" not in str(error.value)
    for n in batches:
        x = binary_images(model, n, seed=n)
        y = labels_for(model, n)
        z_mean, z_log_var = model.encode(x, y)
        got_mean, got_log_var = vae.encode(x, y)
        np.testing.assert_allclose(got_mean, z_mean, atol=atol)
        np.testing.assert_allclose(got_log_var, z_log_var, atol=atol)
        if not left_out:
            np.testing.assert_allclose(vae.decode(z_mean, y), model.decode(z_mean, y), atol=atol)
        # At zero noise the score is the negative ELBO at the posterior mean, from the primitive.
        nll, kl, params = model.bound_terms(x, y, noise=keras.ops.zeros_like(z_mean))
        want = keras.ops.convert_to_numpy(nll + kl)
        score, reconstruction = vae.score(x, y, return_reconstruction=True)
        np.testing.assert_allclose(score, want, rtol=1e-5, atol=atol)
        np.testing.assert_allclose(reconstruction, keras.ops.convert_to_numpy(model.likelihood.mean(params)), atol=atol)
    return manifest
