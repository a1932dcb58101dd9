"""Shared fixtures: the offline MNIST folder (prepared once per session into a temp TFDS dir) and fake TFDS data."""

import contextlib
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


@pytest.fixture
def no_data(tmp_path, monkeypatch):
    """An empty TFDS folder (``tmp_path / "tfds"``) and no data folder in the environment."""
    from keras_vae import data

    monkeypatch.setenv(data.TFDS_DIR_ENV, str(tmp_path / "tfds"))
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    return tmp_path


@pytest.fixture
def mock_tfds(no_data):
    """mock_tfds(name, examples=64) -> TFDS root serving a fake prepared dataset ``name``, for this test.

    No files needed (tests that need not use ../shared should use this): the fixture writes
    the dataset's metadata (``dataset_info.json``, ``features.json``, with ``examples`` per
    split) where a prepared dataset would live, and tensorflow-datasets' own
    ``tfds.testing.mock_data`` generates random records of the right features. The
    package's loading code runs unchanged: ``prepared_builder`` finds a prepared dataset
    and ``as_dataset`` serves the fake examples.

    Example:
    >>> def test_x(mock_tfds):
    ...     mock_tfds("fashion_mnist", 64)
    ...     images, labels = keras_vae.data.load_arrays("fashion_mnist", "train")
    """
    import tensorflow_datasets as tfds

    root = no_data / "tfds"
    stack = contextlib.ExitStack()

    def make(name, examples=64, splits=("train", "test")):
        builder = tfds.builder(name, data_dir=str(root))
        builder.info.set_splits(
            tfds.core.SplitDict(
                [tfds.core.SplitInfo(name=s, shard_lengths=[examples], num_bytes=0) for s in splits]
            )
        )
        Path(builder.data_dir).mkdir(parents=True)
        builder.info.write_to_directory(builder.data_dir)
        # USE_FILES: the metadata above gives the split sizes (MockPolicy.USE_CODE has none, and
        # TFDS then batches a whole split with sys.maxsize); mock_data reads it from `root`.
        policy = tfds.testing.MockPolicy.USE_FILES
        stack.enter_context(tfds.testing.mock_data(num_examples=examples, policy=policy, data_dir=str(root)))
        return root

    with stack:
        yield make


@pytest.fixture(scope="session")
def moses_test():
    """The held-out MOSES test molecules of ``selfies_moses`` as (token ids, zero labels), as training made them."""
    pytest.importorskip("rdkit")
    pytest.importorskip("selfies")
    from keras_vae import zoo
    from keras_vae.data import moses
    from keras_vae.extras import MissingExtraError

    try:
        moses.molsets_dir()
    except MissingExtraError as e:
        pytest.skip(str(e))
    recipe = zoo.get("selfies_moses")
    ids, _, _ = moses.load_tokens(recipe.build(), "test", limit=recipe.eval_examples, seed=0)
    return ids, np.zeros(len(ids), "int32")
