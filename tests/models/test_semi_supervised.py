"""M2 (SemiSupervisedVAE): the bounds, label inference, training on 100 labels, serialisation."""

import keras
import numpy as np
import pytest

from keras_vae import data
from keras_vae.evaluation import evaluate
from keras_vae.models import SemiSupervisedVAE


def tiny(**kwargs):
    args = dict(num_classes=10, latent_dim=4, hidden_units=(32,), classifier_units=(32,), alpha=5.0, seed=1)
    return SemiSupervisedVAE(**{**args, **kwargs})


def test_labels_are_optional_and_inferred(binary_images):
    model = tiny()
    probs = model.classify(binary_images)
    assert probs.shape == (8, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    inferred = model.predict_labels(binary_images)
    np.testing.assert_array_equal(inferred, probs.argmax(axis=1))
    # Without labels, encode uses q(y|x)'s most probable class.
    np.testing.assert_allclose(model.encode(binary_images)[0], model.encode(binary_images, inferred)[0], atol=1e-6)
    assert model.reconstruct(binary_images).shape == binary_images.shape
    assert model.sample(10, seed=0).shape == (10, 28, 28, 1)


def test_marginal_bounds_are_ordered(binary_images):
    """-U(x) <= IWAE estimate of log p(x); the marginal is logsumexp_y log p(x|y) - log K."""
    model = tiny()
    bound = model.elbo(binary_images, seed=0)
    marginal = model.log_likelihood(binary_images, k=50, seed=0)
    assert bound.shape == marginal.shape == (8,)
    assert np.mean(bound) < np.mean(marginal)
    per_class = np.stack(
        [model.log_likelihood(binary_images, np.full(8, c), k=50, seed=1) for c in range(10)], axis=1
    )
    expected = np.log(np.mean(np.exp(per_class - per_class.max(1, keepdims=True)), axis=1)) + per_class.max(1)
    # Independent IWAE draws of an untrained model (wide posterior) differ by a few nats.
    np.testing.assert_allclose(marginal, expected, atol=5.0)
    assert abs(np.mean(marginal - expected)) < 1.5
    # With a label the bound is of log p(x|y), as for ConditionalVAE.
    assert model.elbo(binary_images, np.zeros(8, "int32")).shape == (8,)


def test_unlabelled_bound_matches_its_definition(binary_images):
    """-U(x) = sum_y q(y|x) ELBO(x, y) - log K + H(q(y|x)), checked with the noise switched off."""
    model = tiny()
    for layer in (model.encoder_head.get_layer("z_log_var"),):
        layer.bias.assign(np.full(layer.bias.shape, -60.0, "float32"))  # posterior variance ~ 0
        layer.kernel.assign(np.zeros(layer.kernel.shape, "float32"))
    x = binary_images
    q = model.classify(x)
    per_class = np.stack([model.elbo(x, np.full(8, c), seed=c) for c in range(10)], axis=1)
    entropy = -np.sum(q * np.log(q), axis=1)
    expected = np.sum(q * per_class, axis=1) - np.log(10) + entropy
    np.testing.assert_allclose(model.elbo(x, seed=0), expected, rtol=1e-4, atol=1e-3)


def test_semi_supervised_dataset_keeps_labels_apart(mnist_dir):
    ds, labelled = data.make_semi_supervised_dataset("mnist", 3, batch_size=64, data_dir=mnist_dir, limit=600)
    _, labels = data.load_arrays("mnist", "train", mnist_dir)
    assert len(labelled) == 30
    assert np.bincount(labels[labelled], minlength=10).tolist() == [3] * 10
    np.testing.assert_array_equal(labelled, data.labelled_subset(labels[:600], 3, seed=0))  # reproducible
    assert int(ds.cardinality()) == int(np.ceil(570 / 64))  # an epoch is the unlabelled images
    batch = next(iter(ds))
    assert batch["image"].shape == (64, 28, 28, 1)
    assert batch["labelled_image"].shape == (30, 28, 28, 1)
    assert set(np.unique(batch["image"].numpy())) <= {0.0, 1.0}
    # The labelled set repeats through a shuffle buffer of its own size: every labelled
    # batch holds labelled examples only, and over many steps each is seen equally often.
    seen = np.concatenate([b["labelled_label"].numpy() for b in ds.take(9)])
    assert np.bincount(seen, minlength=10).min() > 0
    # Each labelled image is a binarisation of one of the chosen originals (ink only where they have ink).
    originals = data.load_arrays("mnist", "train", mnist_dir)[0][labelled].reshape(30, -1) > 0
    for image, label in zip(batch["labelled_image"].numpy().reshape(30, -1), batch["labelled_label"].numpy()):
        fits = ~np.any(image.astype(bool) & ~originals, axis=1)
        assert fits.any() and label in labels[labelled][fits]
    with pytest.raises(ValueError, match="fewer than labels_per_class"):
        data.labelled_subset(np.array([0, 0, 1]), 2)


def test_trains_from_few_labels_on_real_digits(mnist_dir):
    keras.utils.set_random_seed(0)
    model = tiny(latent_dim=8, hidden_units=(128,), classifier_units=(128,), alpha=20.0)
    ds, _ = data.make_semi_supervised_dataset("mnist", 10, batch_size=100, data_dir=mnist_dir, limit=3000)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    history = model.fit(ds, epochs=3, verbose=0).history
    assert history["elbo"][-1] > history["elbo"][0]
    x, y = data.load_images("mnist", "test", mnist_dir, binarize="fixed", limit=500)
    accuracy = np.mean(model.predict_labels(x) == y)
    assert accuracy > 0.5, accuracy  # chance is 0.1; 100 labels alone reach about 0.7
    figures = evaluate(model, "mnist", arrays=(x, y), examples=20, k=5)
    assert figures["nll_is_conditional"] is False
    assert figures["test_error"] == pytest.approx(1 - accuracy)
    assert figures["nll"] < -figures["test_elbo"] + 1.0  # IWAE tighter than the bound, up to noise


def test_round_trip_and_wrong_batches(binary_images, tmp_path):
    model = tiny()
    path = tmp_path / "m2.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, SemiSupervisedVAE) and loaded.alpha == 5.0
    np.testing.assert_allclose(loaded.classify(binary_images), model.classify(binary_images), atol=1e-6)
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match="labelled_image"):
        model.train_step(binary_images)
    with pytest.raises(ValueError, match="alpha"):
        tiny(alpha=-1.0)


@pytest.mark.parametrize("bad", [-0.5, float("nan"), float("inf"), "1", True, [1.0]])
@pytest.mark.parametrize("name", ["alpha", "labelled_weight"])
def test_loss_weights_are_finite_non_negative_numbers(name, bad):
    with pytest.raises(ValueError, match=f"{name} must be a finite number >= 0"):
        tiny(**{name: bad})


def test_labelled_weight_scales_the_labelled_bound_and_round_trips(binary_images, tmp_path):
    x = binary_images[:8]
    batch = {"image": x, "labelled_image": x[:4], "labelled_label": np.arange(4, dtype="int32")}
    model = tiny()
    start = keras.ops.convert_to_numpy(model.seed_generator.state)
    losses = {}
    for w in (0.0, 1.0, 3.0):
        model.labelled_weight = w
        model.seed_generator.state.assign(start)  # the same draws each time
        losses[w] = float(keras.ops.convert_to_numpy(model.training_loss(batch)[0]))
    labelled_bound = losses[1.0] - losses[0.0]
    assert labelled_bound > 0
    np.testing.assert_allclose(losses[3.0] - losses[0.0], 3 * labelled_bound, rtol=1e-4)
    path = tmp_path / "m2.keras"
    tiny(labelled_weight=0.25).save(path)
    assert keras.models.load_model(path).labelled_weight == 0.25
