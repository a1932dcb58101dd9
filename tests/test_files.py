"""keras_vae.files: the one atomic writer, checksum and version lookup."""

import hashlib

import pytest

from keras_vae import files


def test_atomic_path_renames_on_success_and_keeps_the_suffixes(tmp_path):
    target = tmp_path / "model.weights.h5"
    with files.atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.endswith(".weights.h5") and tmp != target
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.weights.h5"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = files.write_text_atomic(tmp_path / "card.json", "old")
    with pytest.raises(RuntimeError):
        with files.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("writer failed")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.json"]


def test_atomic_files_get_the_mode_a_plain_open_gives(tmp_path):
    # mkstemp's temporaries are 0600: shipped weights and exports must not end up private.
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    atomic = files.write_text_atomic(tmp_path / "atomic.txt", "x")
    assert atomic.stat().st_mode == plain.stat().st_mode


def test_a_missing_folder_is_named_not_the_temporary(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"cannot write .*x\.png: folder .*missing does not exist"):
        files.write_bytes_atomic(tmp_path / "missing" / "x.png", b"")


def test_one_sha256_for_the_package_and_the_runtime(tmp_path):
    from keras_vae.runtime import hashing

    path = files.write_bytes_atomic(tmp_path / "x.bin", b"abc" * 1000)
    assert files.sha256 is hashing.sha256
    assert files.sha256(path) == hashlib.sha256(b"abc" * 1000).hexdigest()


def test_package_versions():
    import numpy

    out = files.package_versions({"np": "numpy", "nothing": "no-such-distribution-kv"}, python=True)
    assert out["np"] == numpy.__version__ and out["nothing"] is None and out["python"].count(".") == 2
