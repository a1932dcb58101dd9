"""M1+M2 (StackedSemiSupervisedVAE): the stacked bound, what sees the labels, a training step, saving.

Shapes, the inference API, the .keras round trip and ONNX export parity of the recipe's
model run in tests/test_harness.py like every recipe's.
"""

import keras
import numpy as np
import pytest

from keras_vae import likelihoods
from keras_vae.models import SemiSupervisedVAE, StackedSemiSupervisedVAE


def tiny(**kwargs):
    args = dict(
        num_classes=10, m1_hidden_units=(16,), m1_latent_dim=4, latent_dim=3, hidden_units=(16,),
        classifier_units=(16,), alpha=5.0, seed=1,
    )
    return StackedSemiSupervisedVAE(**{**args, **kwargs})


def batch(x, labels):
    return {"image": x[:6], "labelled_image": x[6:], "labelled_label": labels}


def test_parts_and_the_bound_at_the_posterior_means(binary_images):
    """bound_terms at zero noise = -log p(x|z1) + log q(z1|x) - log p(z1|y,z2) + KL(z2), z's at their means."""
    model = tiny()
    assert isinstance(model.m2, SemiSupervisedVAE) and model.m2.image_shape == (4,)
    assert model.m2.likelihood.learn_scale and model.m1.latent_dim == 4
    x, y = binary_images, np.arange(8) % 10
    rec, rest, params = model.bound_terms(x, y, noise=keras.ops.zeros((8, 3)))
    z1_mean, z1_log_var = model.m1.encode(x)
    z2_mean, _ = model.m2.encode(z1_mean, y)
    expected_rec = -model.m1.log_px(x, model.m1.decode_params(z1_mean))
    m2_rec, m2_kl, _ = model.m2.bound_terms(z1_mean, y, noise=keras.ops.zeros((8, 3)))
    log_q = likelihoods.diagonal_normal_log_prob(z1_mean, z1_mean, z1_log_var)
    np.testing.assert_allclose(rec, expected_rec, rtol=1e-5)
    np.testing.assert_allclose(rest, log_q + m2_rec + m2_kl, rtol=1e-5, atol=1e-4)
    # The API's graphs are the parts composed: encode at the mean of q(z1|x), decode through M1.
    np.testing.assert_allclose(model.encode(x, y)[0], z2_mean, atol=1e-6)
    z1 = model.m2.likelihood.mean(model.m2.decode_params(z2_mean, y))
    np.testing.assert_allclose(model.decode(z2_mean, y), model.m1.decode(keras.ops.convert_to_numpy(z1)), atol=1e-6)
    np.testing.assert_array_equal(model.predict_labels(x), model.m2.predict_labels(z1_mean))
    # The Monte Carlo q(y|x) averages q(y|z1) over draws of z1: probabilities, reproducible by seed.
    mc = model.classify(x, draws=3, seed=0)
    np.testing.assert_allclose(mc.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(mc, model.classify(x, draws=3, seed=0))
    assert not np.allclose(mc, model.classify(x))
    assert keras.ops.convert_to_numpy(params).shape == x.shape


def test_m1_never_sees_a_label_and_m2_only_the_given_ones(binary_images):
    """M1's gradient is the same whatever the labels; M2's changes with them; unlabelled images carry none."""
    model = tiny()
    x = binary_images

    def gradients(labels):
        with __import__("tensorflow").GradientTape() as tape:
            keras.utils.set_random_seed(0)
            model.seed_generator.state.assign([0, 0])
            model.m2.seed_generator.state.assign([0, 0])
            loss, _ = model.training_loss(batch(x, labels))
        grads = tape.gradient(loss, model.trainable_variables)
        return {id(v): g for v, g in zip(model.trainable_variables, grads)}

    a, b = gradients(np.array([0, 1])), gradients(np.array([7, 3]))
    m1, m2 = [id(v) for v in model.m1.trainable_variables], [id(v) for v in model.m2.trainable_variables]
    assert set(a) == set(m1) | set(m2)  # the model's weights are the two parts'
    for key in m1:
        np.testing.assert_allclose(a[key], b[key], atol=1e-6)
    assert any(not np.allclose(a[key], b[key]) for key in m2)
    with pytest.raises(ValueError, match="labelled_image"):
        model.training_loss(x)


def test_train_steps_raise_the_stacked_bound_and_round_trip(binary_images, tmp_path):
    keras.utils.set_random_seed(0)
    model = tiny()
    x = np.repeat(binary_images, 4, axis=0)
    data = batch(x, np.arange(len(x) - 6) % 10)
    before = model.elbo(x, seed=0).mean()
    model.compile(optimizer=keras.optimizers.Adam(2e-2))
    for _ in range(8):
        logs = model.train_step(data)
    assert int(model.step_counter.value) == 8 and np.isfinite(float(logs["elbo"]))
    assert model.elbo(x, seed=0).mean() > before + 5.0
    # Both bounds are of the stacked model: the IWAE estimate is on average above the one-draw bound.
    assert model.log_likelihood(x[:4], k=30).mean() > model.elbo(x[:4], seed=1).mean() - 1.0
    path = tmp_path / "m1m2.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is StackedSemiSupervisedVAE and loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.classify(x), model.classify(x))
    with pytest.raises(NotImplementedError, match="two latent layers"):
        model.log_weights(x, None, None, None, None)


def test_active_threshold_hides_still_z1_dimensions_from_the_inference_networks_only(binary_images, tmp_path):
    """A training step sets the mask from the batch's spread of z1 means; q(y|z1) then ignores masked dims."""
    model = tiny(m1_active_threshold=0.1)
    assert model.m2.input_mask is not None and tiny().m2.input_mask is None
    # z1 dimension 0 made still: its mean no longer depends on the image.
    kernel, bias = model.m1.encoder.get_layer("z_mean").get_weights()
    kernel[:, 0] = 0.0
    model.m1.encoder.get_layer("z_mean").set_weights([kernel, bias])
    x = np.repeat(binary_images, 2, axis=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-6))
    model.train_step(batch(x, np.arange(len(x) - 6) % 10))
    mask = keras.ops.convert_to_numpy(model.m2.input_mask.mask)
    z1_mean, _ = model.m1.encode(x[:6])
    np.testing.assert_array_equal(mask, (z1_mean.std(axis=0) > 0.1).astype("float32"))
    assert mask[0] == 0.0 and mask[1:].sum() >= 1
    # The classifier reads z1 through the mask: changing a masked dimension changes nothing,
    # while M2's generative model still scores it.
    z1 = z1_mean.copy()
    z1_moved = z1.copy()
    z1_moved[:, 0] += 3.0
    np.testing.assert_allclose(model.m2.classify(z1), model.m2.classify(z1_moved), rtol=1e-6)
    y = np.arange(6) % 10
    assert not np.allclose(model.m2.elbo(z1, y, seed=0), model.m2.elbo(z1_moved, y, seed=0))
    path = tmp_path / "masked.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.get_config()["m1_active_threshold"] == 0.1
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded.m2.input_mask.mask), mask)


@pytest.mark.parametrize("threshold", [0.0, -1.0, float("nan"), float("inf"), "abc", [0.1]])
def test_active_threshold_must_be_positive(threshold):
    with pytest.raises(ValueError, match="m1_active_threshold"):
        tiny(m1_active_threshold=threshold)


def test_input_mask_needs_flat_inputs():
    with pytest.raises(ValueError, match="input_mask needs 1-D inputs"):
        SemiSupervisedVAE(num_classes=10, input_mask=True)


def test_m1_epochs_freezes_m1_after_its_epochs_and_m2_trains_on(binary_images, tmp_path):
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensors(batch(binary_images, np.arange(2))).repeat(3)  # 3 steps an epoch
    model = tiny(m1_epochs=1)
    # Adam: its momentum would move M1 on after the switch unless its slots are zeroed there.
    model.compile(optimizer=keras.optimizers.Adam(1e-2))

    def weights():
        return [w.copy() for w in model.m1.get_weights()], [w.copy() for w in model.m2.get_weights()]

    m1_0, m2_0 = weights()
    model.fit(ds, epochs=1, verbose=0)
    m1_1, m2_1 = weights()
    assert not model.m1_frozen and any(not np.array_equal(a, b) for a, b in zip(m1_0, m1_1))
    model.fit(ds, initial_epoch=1, epochs=3, verbose=0)  # a resumed run: the callback sets the phase
    m1_3, m2_3 = weights()
    assert model.m1_frozen
    for a, b in zip(m1_1, m1_3):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(m2_1, m2_3))
    path = tmp_path / "m1m2.keras"
    model.save(path)
    assert keras.models.load_model(path).m1_epochs == 1


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_m1_epochs_must_be_a_non_negative_integer(bad):
    with pytest.raises(ValueError, match="m1_epochs must be an integer >= 0"):
        tiny(m1_epochs=bad)
