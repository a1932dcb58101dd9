"""Retrieval: exact nearest neighbours in latent space and in pixels, precision@k, the picture, the CLI."""

import re

import numpy as np
import pytest
from PIL import Image

from keras_vae.cli import main
from keras_vae.models import ConditionalVAE, ConvVAE
from keras_vae.tasks import retrieval


@pytest.fixture(scope="module")
def model():
    return ConvVAE(latent_dim=4, filters=(4, 8), hidden_units=16, seed=1)


@pytest.fixture(scope="module")
def catalogue():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 20)
    # class 0 dark, class 1 bright: pixel distances separate them perfectly
    x = np.clip(rng.random((40, 28, 28, 1)) * 0.3 + 0.6 * labels[:, None, None, None], 0, 1).astype("float32")
    return x, labels


def test_an_item_finds_itself_first_at_distance_zero(model, catalogue):
    x, y = catalogue
    for space in (model, None):
        index = retrieval.LatentIndex(space).fit(x, y)
        found = index.similar(x[7], k=3)
        assert found["indices"][0] == 7 and found["distances"][0] == pytest.approx(0, abs=1e-4)
        assert np.all(np.diff(found["distances"]) >= 0) and list(found["labels"]) == list(y[found["indices"]])


def test_search_is_exact_against_brute_force(model, catalogue):
    x, y = catalogue
    index = retrieval.LatentIndex(model).fit(x, y)
    queries = x[::5] * 0.9
    distances, indices = index.query(queries, k=4)
    codes, q = model.encode(x)[0], model.encode(queries)[0]
    brute = np.linalg.norm(q[:, None] - codes[None], axis=-1)
    np.testing.assert_array_equal(indices, np.argsort(brute, axis=1)[:, :4])
    np.testing.assert_allclose(distances, np.sort(brute, axis=1)[:, :4], rtol=1e-4, atol=1e-5)


def test_precision_at_k_counts_same_class_neighbours(catalogue):
    x, y = catalogue
    index = retrieval.LatentIndex(None).fit(x, y)
    result = retrieval.precision_at_k(index, x, y, y, ks=(1, 10))
    assert result[1]["precision"] == 1.0 and result[10]["precision"] == 1.0
    # queries labelled with the wrong class: nothing matches
    wrong = retrieval.precision_at_k(index, x, 1 - y, y, ks=(5,), batch_size=7)
    assert wrong[5]["precision"] == 0.0 and wrong[5]["per_class"] == {0: 0.0, 1: 0.0}
    # a catalogue of mixed labels: precision@k is the share of matches among the k nearest
    mixed = y.copy()
    mixed[np.flatnonzero(y == 1)[:5]] = 0
    p = retrieval.precision_at_k(index, x[y == 1], y[y == 1], mixed, ks=(20,))[20]["precision"]
    assert p == pytest.approx(15 / 20)


def test_neighbours_grid_and_latency(model, catalogue):
    x, y = catalogue
    index = retrieval.LatentIndex(model).fit(x, y)
    _, nn = index.query(x[:3], 5)
    picture = retrieval.neighbours_grid(x[:3], x[nn])
    assert picture.dtype == np.uint8 and picture.shape == (3 * 29 + 1, 7 * 29 + 1)
    assert retrieval.query_latency(index, x[:3], k=2) > 0


def test_bad_inputs_are_clear_errors(model, catalogue):
    x, y = catalogue
    with pytest.raises(ValueError, match="unconditional"):
        retrieval.LatentIndex(ConditionalVAE(num_classes=2, latent_dim=2, filters=(4, 8), hidden_units=8))
    with pytest.raises(ValueError, match="call fit"):
        retrieval.LatentIndex(model).query(x[:1])
    index = retrieval.LatentIndex(model).fit(x, y)
    with pytest.raises(ValueError, match="exceeds the catalogue's 40 items"):
        index.similar(x[0], k=41)
    with pytest.raises(ValueError, match=r"one image of shape \(28, 28, 1\)"):
        index.similar(x[:2], k=1)
    with pytest.raises(ValueError, match="catalogue labels must have shape"):
        retrieval.LatentIndex(model).fit(x, y[:3])
    with pytest.raises(ValueError, match=r"lie in \[0, 1\]"):
        index.query(x[-1:] * 3)


def test_cli_similar(mnist_dir, tmp_path, capsys):
    query = tmp_path / "q.png"
    Image.fromarray(np.zeros((28, 28), "uint8")).save(query)
    out = tmp_path / "n.png"
    args = ["similar", "conv_mnist", "--image", str(query), "--k", "4", "--data-dir", str(mnist_dir),
            "--catalogue-limit", "300", "--out", str(out)]
    assert main(args) == 0
    ranks = re.findall(r"^ *(\d+)\. train item +\d+ +\S+ +distance \d+\.\d+$", capsys.readouterr().out, re.M)
    assert ranks == ["1", "2", "3", "4"]
    assert Image.open(out).size == (6 * 29 + 1, 29 + 1)
    Image.fromarray(np.zeros((20, 20), "uint8")).save(query)
    assert main(args) == 2
    assert "expected a 28x28 greyscale image, got shape (20, 20, 1)" in capsys.readouterr().err
    assert main(["similar", "conv_mnist", "--image", "12345", "--data-dir", str(mnist_dir)]) == 2
    assert "test split has 10000 images" in capsys.readouterr().err
