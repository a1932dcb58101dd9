"""conv_fashion_mnist: registered, shipped (small weights), and trainable through the same code.

Training runs here on a fake ``fashion_mnist`` served by tensorflow-datasets' own
``tfds.testing.mock_data`` (the shared ``mock_tfds`` fixture of tests/conftest.py), so it
needs no data files; the package's loading code runs unchanged.
"""

import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest

from keras_vae import data, zoo
from keras_vae.cli import main
from keras_vae.files import sha256

NAME = "conv_fashion_mnist"
REPO = Path(__file__).resolve().parents[2]
FAKE_EXAMPLES = 64


def tfds_files():
    """{filename: sha256} TFDS registers for fashion_mnist (read from the installed package, offline)."""
    import tensorflow_datasets as tfds

    builder = tfds.builder("fashion_mnist", data_dir="/nonexistent-keras-vae-test")
    return {info.filename: info.checksum for info in builder.url_infos.values()}


@pytest.fixture
def fake_fashion_mnist(mock_tfds):
    """A fake fashion_mnist of FAKE_EXAMPLES random images per split, through the TFDS builder."""
    return mock_tfds("fashion_mnist", FAKE_EXAMPLES)


def test_recipe_registers_and_ships_small_weights_that_load_offline():
    recipe = zoo.get(NAME)
    assert recipe.dataset == "fashion_mnist" and recipe.binarize == "dynamic"
    model = zoo.load(NAME)
    assert type(model).__name__ == "ConvVAE" and model.image_shape == (28, 28, 1)
    assert model.latent_dim == recipe.model_args["latent_dim"]
    card = zoo.card(NAME)
    assert card["recipe"]["dataset"] == "fashion_mnist" and card["test"]["nll_k"] == recipe.eval_k
    # the wheel stays small: a 128-unit dense layer, not conv_mnist's 512 (13 MB)
    assert zoo.weights_path(NAME).stat().st_size < 5e6


def test_conditional_recipe_registers():
    recipe = zoo.get("cvae_fashion_mnist")
    assert recipe.conditional and recipe.dataset == "fashion_mnist"
    model = zoo.create("cvae_fashion_mnist")
    assert model.num_classes == 10 and model.count_params() < 1_000_000


def test_list_shows_its_figures(capsys):
    assert main(["list"]) == 0
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith(NAME))
    assert f"NLL {zoo.card(NAME)['test']['nll']:.2f} nats" in line and "Fashion-MNIST" in line


def test_card_is_the_rendered_one():
    card = (REPO / "zoo" / f"{NAME}.md").read_text()
    assert f"keras-vae evaluate {NAME} --data-dir ../shared/data/fashion_mnist" in card
    assert "NOT been trained" not in card


def test_zoo_table_has_its_row():
    spec = importlib.util.spec_from_file_location("zoo_publish", REPO / "zoo" / "publish.py")
    publish = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(publish)
    table = publish.zoo_table()
    row = next(l for l in table.splitlines() if l.startswith(f"| `{NAME}` |"))
    assert f"[zoo/{NAME}.md](zoo/{NAME}.md)" in row and "not trained here" not in row
    assert "| `conv_mnist` | ConvVAE, latent 32 | 50 | 45 min |" in table  # trained rows unchanged


def test_fake_data_comes_through_the_tfds_builder(fake_fashion_mnist):
    images, labels = data.load_arrays("fashion_mnist", "train")
    assert images.shape == (FAKE_EXAMPLES, 28, 28, 1) and images.dtype == np.uint8
    assert labels.dtype == np.int32 and labels.min() >= 0 and labels.max() < 10


def test_recipe_trains_end_to_end_on_fake_fashion_mnist(fake_fashion_mnist, tmp_path):
    run = tmp_path / "run"
    model = zoo.train(NAME, run, epochs=1, limit=48, evaluate=False, verbose=0)
    assert (run / "model.weights.h5").is_file()
    card = json.loads((run / "card.json").read_text())
    assert card["name"] == NAME and card["recipe"]["dataset"] == "fashion_mnist"
    assert card["epochs"] == 1 and card["train_examples"] == 48
    assert card["weights_sha256"] == sha256(run / "model.weights.h5")
    assert np.isfinite(float(card["final_epoch"]["loss"]))
    markdown = (run / "card.md").read_text()
    assert "binarised Fashion-MNIST test set" in markdown
    assert f"keras-vae evaluate {NAME} --data-dir ../shared/data/fashion_mnist" in markdown
    restored = zoo.create(NAME)
    restored.load_weights(run / "model.weights.h5")
    z = np.zeros((2, model.latent_dim), "float32")
    np.testing.assert_array_equal(restored.decode(z), model.decode(z))


def test_missing_fashion_mnist_is_a_clear_error(no_data, capsys):
    with pytest.raises(data.DataNotFoundError) as info:
        zoo.train(NAME, no_data / "run", epochs=1, evaluate=False, verbose=0)
    message = str(info.value)
    assert "'fashion_mnist'" in message and "data_dir=" in message
    for filename in tfds_files():
        assert re.search(rf"^  {re.escape(filename)}$", message, re.M)
    assert not (no_data / "run" / "model.weights.h5").exists()
    assert main(["train", NAME, "--out", str(no_data / "cli_run")]) == 2
    assert "dataset 'fashion_mnist' is not prepared" in capsys.readouterr().err


def test_mnist_files_are_refused_as_fashion_mnist(mnist_dir, no_data):
    """Both datasets use the same file names: the registered checksums tell them apart."""
    expected = "is mnist's file, not fashion_mnist's: its sha256 differs from the one TFDS registers for fashion_mnist"
    with pytest.raises(data.DataNotFoundError, match=expected):
        data.load_arrays("fashion_mnist", "train", data_dir=mnist_dir)


@pytest.mark.slow
def test_mnist_and_fashion_mnist_prepared_in_one_tfds_folder_stay_apart(mnist_dir, fashion_mnist_dir, no_data):
    """Their files share names; TFDS's extraction cache is keyed by name, so each dataset needs its own.

    Before the per-dataset download folder, the second dataset prepared here was built from the
    first one's extracted images (an "mnist" with Fashion-MNIST's mean pixel, 0.29).
    """
    fashion, _ = data.load_arrays("fashion_mnist", "test", data_dir=fashion_mnist_dir)
    digits, _ = data.load_arrays("mnist", "test", data_dir=mnist_dir)
    assert 0.27 < fashion.mean() / 255 < 0.30  # Fashion-MNIST's mean pixel: 0.286
    assert 0.12 < digits.mean() / 255 < 0.14  # MNIST's: 0.133
