"""The one train step on whichever backend Keras runs (CI runs this file under tensorflow, jax and torch).

Every family trains a few steps through ``fit``; the step counter, the noise generator and
the KL schedule behave alike on every backend.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import tiny_models, tiny_recipe_model  # tests/ is on sys.path (its conftest); a top-level "tests" package of molsets would shadow "tests."

pytestmark = pytest.mark.backends


def _jit():
    return keras.backend.backend() == "jax"  # JAX without jit runs op by op


def _tiny_m2():
    from keras_vae.models import SemiSupervisedVAE

    return SemiSupervisedVAE(num_classes=10, latent_dim=3, hidden_units=(16,), classifier_units=(16,), seed=1)


def _dataset(model, x, y, batch=16):
    if hasattr(model, "classify"):
        x_l, y_l = x[:10], y[:10]
        ds = tf.data.Dataset.from_tensor_slices(x).batch(batch)
        return ds.map(lambda u: {"image": u, "labelled_image": x_l, "labelled_label": y_l})
    return tf.data.Dataset.from_tensor_slices((x, y) if model.conditional else x).batch(batch)


def _tiny(family):
    if family == "m2":
        return _tiny_m2()
    if family == "pixelvae_mnist":  # masked convolutions and the teacher-forced decoder context
        return tiny_recipe_model(family)
    return tiny_models()[family]()


@pytest.mark.parametrize("family", ["dense", "conditional_conv", "m2", "pixelvae_mnist"])
def test_fit_trains_and_counts_steps(family, binary_images):
    model = _tiny(family)
    rng = np.random.default_rng(0)
    x = (rng.random((32, 28, 28, 1)) < 0.3).astype("float32")
    y = (np.arange(32) % 10).astype("int32")
    model.compile(optimizer=keras.optimizers.Adam(1e-2), jit_compile=_jit())
    before = [w.copy() for w in model.get_weights()]
    seed_before = keras.ops.convert_to_numpy(model.seed_generator.state.value).copy()
    history = model.fit(_dataset(model, x, y), epochs=1, verbose=0).history
    assert int(keras.ops.convert_to_numpy(model.step_counter.value)) == 2  # 32 images / batch 16
    assert np.all(np.isfinite(history["loss"]))
    assert history["elbo"][0] < 0 and history["kl"][0] >= 0
    moved = [not np.allclose(a, b) for a, b in zip(before, model.get_weights()) if a.dtype.kind == "f" and a.ndim]
    assert all(moved), "every weight tensor receives a gradient"
    assert not np.array_equal(keras.ops.convert_to_numpy(model.seed_generator.state.value), seed_before)
    test = model.evaluate(_dataset(model, x, y) if family != "m2" else tf.data.Dataset.from_tensor_slices((x, y)).batch(16),
                          verbose=0, return_dict=True)
    assert np.isfinite(test["elbo"]) and test["elbo"] < 0


def test_kl_schedule_reads_the_step_counter(binary_images):
    from keras_vae.models import DenseVAE

    model = DenseVAE(latent_dim=3, hidden_units=(16,), kl_warmup_steps=10, beta=2.0, seed=1)
    model.step_counter.steps.assign(4)
    loss, (rec, kl) = model.training_loss(binary_images)
    expected = np.mean(keras.ops.convert_to_numpy(rec)) + 2.0 * (5 / 10) * np.mean(keras.ops.convert_to_numpy(kl))
    np.testing.assert_allclose(float(keras.ops.convert_to_numpy(loss)), expected, rtol=1e-5)


def test_step_counter_survives_a_weights_round_trip(tmp_path, binary_images):
    from keras_vae.models import DenseVAE

    model = DenseVAE(latent_dim=3, hidden_units=(16,), seed=1)
    model.step_counter.steps.assign(7)
    model.save_weights(tmp_path / "m.weights.h5")
    restored = DenseVAE(latent_dim=3, hidden_units=(16,), seed=1)
    restored.load_weights(tmp_path / "m.weights.h5")
    assert int(keras.ops.convert_to_numpy(restored.step_counter.value)) == 7
