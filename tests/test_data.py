import numpy as np
import pytest

from keras_vae import data


def test_dataset_by_name(mnist_dir):
    ds = data.make_dataset("mnist", "test", batch_size=100, with_labels=True, data_dir=mnist_dir, limit=300)
    batches = list(ds)
    assert len(batches) == 3
    x, y = batches[0]
    assert x.shape == (100, 28, 28, 1) and x.dtype.name == "float32"
    assert 0.0 <= float(np.min(x)) and float(np.max(x)) <= 1.0
    assert y.dtype.name == "int32" and set(np.unique(y)) <= set(range(10))


def test_dynamic_binarization_redraws_each_epoch_reproducibly(mnist_dir):
    def epochs(seed):
        ds = data.make_dataset("mnist", "train", 64, binarize="dynamic", shuffle=False, seed=seed, data_dir=mnist_dir, limit=64)
        return [next(iter(ds)).numpy() for _ in range(2)]

    a1, a2 = epochs(0)
    b1, _ = epochs(0)
    assert set(np.unique(a1)) == {0.0, 1.0}
    assert not np.array_equal(a1, a2)  # a fresh draw each epoch
    np.testing.assert_array_equal(a1, b1)  # yet reproducible from the seed
    grey, _ = data.load_images("mnist", "train", mnist_dir, limit=64)
    assert abs(a1.mean() - grey.mean()) < 0.01  # unbiased: E[binary] = grey level


def test_fixed_binarization_is_stable(mnist_dir):
    a, _ = data.load_images("mnist", "test", mnist_dir, binarize="fixed", limit=50)
    b, _ = data.load_images("mnist", "test", mnist_dir, binarize="fixed", limit=50)
    np.testing.assert_array_equal(a, b)


def test_unknown_dataset():
    with pytest.raises(ValueError, match="did you mean mnist"):
        data.get("mnsit")


def test_missing_incomplete_and_corrupt_folders(tmp_path, monkeypatch, mnist_dir):
    monkeypatch.setenv("KERAS_VAE_TFDS_DIR", str(tmp_path / "tfds"))  # nothing prepared here
    with pytest.raises(data.DataNotFoundError, match="(?s)does not exist.*train-images-idx3-ubyte.gz"):
        data.load_arrays("mnist", "test", data_dir=tmp_path / "nowhere")
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "train-images-idx3-ubyte.gz").write_bytes((mnist_dir / "train-images-idx3-ubyte.gz").read_bytes())
    with pytest.raises(data.DataNotFoundError, match="(?s)incomplete.*missing t10k-images-idx3-ubyte.gz"):
        data.load_arrays("mnist", "test", data_dir=partial)
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    for f in mnist_dir.iterdir():
        if f.name.endswith(".gz"):
            (corrupt / f.name).write_bytes(f.read_bytes())
    (corrupt / "t10k-labels-idx1-ubyte.gz").write_bytes(b"garbage")
    with pytest.raises(data.DataNotFoundError, match="t10k-labels-idx1-ubyte.gz is corrupt"):
        data.load_arrays("mnist", "test", data_dir=corrupt)
    monkeypatch.delenv("KERAS_VAE_DATA_DIR", raising=False)
    with pytest.raises(data.DataNotFoundError, match="KERAS_VAE_DATA_DIR"):
        data.load_arrays("mnist", "test")
    assert not (tmp_path / "tfds" / "mnist").exists() or not any((tmp_path / "tfds" / "mnist").rglob("*.tfrecord*"))


def test_environment_variable_points_at_parent_folder(tmp_path, monkeypatch, mnist_dir):
    parent = tmp_path / "datasets"
    parent.mkdir()
    (parent / "mnist").symlink_to(mnist_dir)
    monkeypatch.setenv("KERAS_VAE_DATA_DIR", str(parent))
    images, labels = data.load_arrays("mnist", "test")
    assert images.shape == (10000, 28, 28, 1) and labels.shape == (10000,)

