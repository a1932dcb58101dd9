"""Augmentation: the classifier learns a separable task, generators keep labels honest, the CVAE trains."""

import numpy as np
import pytest

from keras_vae.models import ConditionalVAE, ConvVAE
from keras_vae.tasks import augmentation as aug


def two_classes(n, seed):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = np.zeros((n, 28, 28, 1), "float32")
    x[y == 0, :, :14] = 1.0  # class 0: left half lit
    x[y == 1, :, 14:] = 1.0  # class 1: right half lit
    return np.clip(x * rng.uniform(0.6, 1, (n, 1, 1, 1)), 0, 1).astype("float32"), y


def test_classifier_learns_a_separable_task():
    x, y = two_classes(32, 0)
    xt, yt = two_classes(40, 1)
    assert aug.train_classifier(x, y, xt, yt, steps=60, batch_size=16, seed=0, num_classes=2) == 1.0


def test_posterior_samples_keep_their_source_labels():
    vae = ConvVAE(latent_dim=3, filters=(4, 8), hidden_units=8, seed=0)
    x, y = two_classes(4, 0)
    xg, yg = aug.posterior_samples(vae, x, y, per_image=3, seed=1)
    assert xg.shape == (12, 28, 28, 1) and list(yg) == list(np.tile(y, 3))
    assert 0 <= xg.min() and xg.max() <= 1
    again, _ = aug.posterior_samples(vae, x, y, per_image=3, seed=1)
    np.testing.assert_array_equal(xg, again)
    with pytest.raises(ValueError, match="unconditional"):
        aug.posterior_samples(ConditionalVAE(num_classes=2, latent_dim=2, filters=(4, 8), hidden_units=8), x, y)


def test_conditional_generator_trains_on_the_labelled_images_only():
    x, y = two_classes(20, 0)
    cvae = aug.fit_conditional_generator(x, y, num_classes=2, steps=30, batch_size=10, latent_dim=2, seed=0)
    assert cvae.conditional and cvae.num_classes == 2 and int(cvae.optimizer.iterations) == 30
    xg, yg = aug.conditional_samples(cvae, 3, seed=0)
    assert xg.shape == (6, 28, 28, 1) and list(yg) == [0, 0, 0, 1, 1, 1]


def test_mean_std_and_errors():
    assert aug.mean_std([0.5]) == (0.5, 0.0)
    mean, std = aug.mean_std([1.0, 2.0, 3.0])
    assert mean == 2.0 and std == pytest.approx(1.0)
    x, y = two_classes(4, 0)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        aug.train_classifier(x, y + 1, x, y, steps=1, num_classes=2)
