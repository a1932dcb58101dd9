"""Encoder features, linear probes and 2-D projections."""

import numpy as np
import pytest
from PIL import Image

from keras_vae.models import ConvVAE
from keras_vae.tasks.representation import features, linear_probe, plot_projection, project_2d


def test_features_are_posterior_means(binary_images):
    model = ConvVAE(latent_dim=4, filters=(4, 8), hidden_units=8, seed=0)
    np.testing.assert_array_equal(features(model, binary_images), model.encode(binary_images)[0])


def test_linear_probe_separates_separable_classes():
    rng = np.random.default_rng(0)
    centres = np.eye(3, 5) * 6
    y = rng.integers(0, 3, 300)
    x = centres[y] + rng.normal(size=(300, 5))
    result = linear_probe(x[:200], y[:200], x[200:], y[200:])
    assert result["test_accuracy"] > 0.95
    noise = linear_probe(rng.normal(size=(200, 5)), y[:200], rng.normal(size=(100, 5)), y[200:])
    assert noise["test_accuracy"] < 0.6  # chance is 1/3: the probe reads no signal that is not there
    with pytest.raises(ValueError, match="width"):
        linear_probe(x[:200], y[:200], x[200:, :4], y[200:])
    with pytest.raises(ValueError, match="labels must have shape"):
        linear_probe(x[:200], y[:100], x[200:], y[200:])
    with pytest.raises(ValueError, match="two classes"):
        linear_probe(x[:10], np.zeros(10), x[200:], y[200:])


def test_projection_and_plot(tmp_path):
    rng = np.random.default_rng(1)
    feats = np.concatenate([rng.normal(0, 1, (50, 8)), rng.normal(8, 1, (50, 8))])
    labels = np.repeat([0, 1], 50)
    points = project_2d(feats, "pca")
    assert points.shape == (100, 2)
    # The first principal axis splits the two clusters.
    assert (points[:50, 0].mean() - points[50:, 0].mean()) ** 2 > 50
    assert project_2d(feats[:40], "tsne").shape == (40, 2)
    with pytest.raises(ValueError, match="unknown projection"):
        project_2d(feats, "umap")
    path = plot_projection(points, labels, tmp_path / "p.png", title="two clusters")
    assert Image.open(path).size == (600, 600)
    assert [p.name for p in tmp_path.iterdir()] == ["p.png"]  # no temporary file left behind
    with pytest.raises(ValueError, match="points"):
        plot_projection(feats, labels, tmp_path / "q.png")
