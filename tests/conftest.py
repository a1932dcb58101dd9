"""Shared fixtures: the offline MNIST folder, prepared once per session into a temp TFDS dir."""

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
MNIST_DIR = Path(os.environ.get("KERAS_VAE_TEST_MNIST", REPO.parent / "shared" / "data" / "mnist"))


@pytest.fixture(scope="session")
def mnist_dir(tmp_path_factory):
    """Folder of the original MNIST files; TFDS records go to a fresh session folder."""
    if not (MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"offline MNIST files not found at {MNIST_DIR}")
    previous = os.environ.get("KERAS_VAE_TFDS_DIR")
    os.environ["KERAS_VAE_TFDS_DIR"] = str(tmp_path_factory.mktemp("tfds"))
    yield MNIST_DIR
    if previous is None:
        os.environ.pop("KERAS_VAE_TFDS_DIR", None)
    else:
        os.environ["KERAS_VAE_TFDS_DIR"] = previous


@pytest.fixture(scope="session")
def fashion_mnist_dir(mnist_dir):
    """Folder of the original Fashion-MNIST files (records go to mnist_dir's session TFDS folder)."""
    folder = MNIST_DIR.parent / "fashion_mnist"
    if not (folder / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"offline Fashion-MNIST files not found at {folder}")
    return folder


@pytest.fixture(scope="session")
def fashion_mnist_test(fashion_mnist_dir):
    """The binarised Fashion-MNIST test split (fixed seed), as (images, labels)."""
    from keras_vae.evaluation import binarized_test_set

    return binarized_test_set("fashion_mnist", fashion_mnist_dir)


@pytest.fixture(scope="session")
def mnist_test(mnist_dir):
    """The binarised MNIST test split (fixed seed), as (images, labels)."""
    from keras_vae.evaluation import binarized_test_set

    return binarized_test_set("mnist", mnist_dir)


@pytest.fixture(scope="session")
def mnist_fixture(mnist_dir):
    """A small real fixture: 512 training images in [0, 1] and their labels."""
    from keras_vae import data

    return data.load_images("mnist", "train", mnist_dir, limit=512)


@pytest.fixture
def binary_images():
    rng = np.random.default_rng(0)
    return (rng.random((8, 28, 28, 1)) < 0.3).astype("float32")
