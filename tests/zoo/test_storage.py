"""Float16 storage of shipped weights: what is rounded, what stays exact, and the shipped cards' records."""

import numpy as np
import pytest

from keras_vae import zoo
from keras_vae.files import sha256
from keras_vae.zoo import storage


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """(model, its float32 weights file, the float16 copy, to_float16's counts)."""
    from keras_vae.models import ConvVAE

    folder = tmp_path_factory.mktemp("storage")
    model = ConvVAE(latent_dim=2, filters=(4, 8), hidden_units=16, seed=0)
    model.encode(np.zeros((1, 28, 28, 1), "float32"))  # builds the encoder
    model.sample(1, seed=0)  # and the decoder
    full, half = folder / "m.weights.h5", folder / "m16.weights.h5"
    model.save_weights(full)
    return model, full, half, storage.to_float16(full, half)


def test_float_arrays_are_rounded_to_float16_and_the_rest_kept_exact(tiny):
    import h5py

    model, full, half, counts = tiny
    assert storage.stored_dtype(full) == "float32" and storage.stored_dtype(half) == "float16"
    assert counts["float16"] > 0 and counts["arrays"] == counts["float16"] + len(counts["kept"])
    with h5py.File(full) as a, h5py.File(half) as b:
        for name in counts["kept"]:
            assert a[name].dtype == b[name].dtype and np.array_equal(a[name][()], b[name][()])
    assert half.stat().st_size < 0.75 * full.stat().st_size


def test_the_float16_file_loads_into_float32_variables_with_rounded_values(tiny):
    from keras_vae.models import ConvVAE

    model, _, half, _ = tiny
    loaded = ConvVAE(latent_dim=2, filters=(4, 8), hidden_units=16, seed=1)
    loaded.encode(np.zeros((1, 28, 28, 1), "float32"))
    loaded.sample(1, seed=0)
    loaded.load_weights(half)
    for want, got in zip(model.weights, loaded.weights):
        want, got = want.numpy(), got.numpy()
        assert got.dtype == want.dtype
        if got.dtype == np.float32:
            np.testing.assert_array_equal(got, want.astype(np.float16).astype(np.float32))
        else:
            np.testing.assert_array_equal(got, want)


def test_values_beyond_float16_are_refused_and_nothing_is_written(tmp_path):
    import h5py

    src, dst = tmp_path / "big.weights.h5", tmp_path / "out.weights.h5"
    with h5py.File(src, "w") as f:
        f.create_dataset("layers/dense/vars/0", data=np.array([1.0, 7e4], "float32"))
    with pytest.raises(ValueError, match="outside float16's range"):
        storage.to_float16(src, dst)
    assert not dst.exists() and [p.name for p in tmp_path.iterdir()] == ["big.weights.h5"]


def test_a_file_already_in_float16_is_refused(tiny, tmp_path):
    _, _, half, _ = tiny
    with pytest.raises(ValueError, match="no float32 array"):
        storage.to_float16(half, tmp_path / "again.weights.h5")
    assert not (tmp_path / "again.weights.h5").exists()


SHIPPED = [n for n in zoo.list() if zoo.card(n) is not None]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_card_records_how_its_weights_are_stored(name):
    card = zoo.card(name)
    stored = storage.stored_dtype(zoo.weights_path(name))
    record = card.get("storage")
    assert stored == (record["dtype"] if record else "float32")
    if record:
        assert abs(record["elbo_change"]) < record["max_elbo_change"] == storage.MAX_ELBO_CHANGE
        assert record["float16_bytes"] == zoo.weights_path(name).stat().st_size
        assert record["float32_sha256"] != card["weights_sha256"] == sha256(zoo.weights_path(name))
        assert record["command"].startswith(f"python zoo/store_float16.py {name}")
        if record.get("card", "full") == "full":
            assert card["test"]["test_elbo"] == pytest.approx(record["test_elbo_float16"], abs=1e-3)
        else:  # quick: the full-protocol figures are the float32 weights', and say so
            assert card["test"]["weights_sha256"] == record["float32_sha256"]
            assert card["test"]["test_elbo"] == pytest.approx(record["test_elbo_float32"], abs=1e-3)


def test_shipped_weights_fit_the_wheel_budget():
    """The wheel carries every weights file; the whole package should stay under about 50 MB."""
    total = sum(zoo.weights_path(n).stat().st_size for n in SHIPPED)
    assert total < 40e6, f"shipped weights total {total / 1e6:.1f} MB"
