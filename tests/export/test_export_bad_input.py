"""Bad input fails with a clear ValueError and writes nothing; failing exports leave nothing."""

import keras
import numpy as np
import pytest

from keras_vae import export as export_lib
from keras_vae.export import ParityError, cli, parse_formats, tflite


@pytest.fixture(scope="module")
def dense(make_tiny):
    return make_tiny("dense")


def _listing(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize(
    "formats, expected",
    [
        ("all", ["saved_model", "tflite", "onnx"]),
        ("onnx,saved_model", ["saved_model", "onnx"]),
        (["tflite"], ["tflite"]),
        (" onnx , tflite ", ["tflite", "onnx"]),
    ],
)
def test_parse_formats(formats, expected):
    assert parse_formats(formats) == expected


@pytest.mark.parametrize("formats", ["pdf", "onnx,pdf", "", "all,onnx"])
def test_unknown_format_is_a_value_error_and_writes_nothing(dense, tmp_path, formats):
    with pytest.raises(ValueError, match="unknown export format.*expected a comma-separated list"):
        export_lib.export(dense, tmp_path / "out", formats)
    assert _listing(tmp_path) == []


def test_existing_non_empty_folder_needs_overwrite(dense, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="exists and is not empty.*overwrite"):
        export_lib.export(dense, out, "onnx", reference="samples")
    assert _listing(tmp_path) == ["out", "out/keep.txt"]


def _earlier_export(out):
    """A folder that --overwrite may replace: it holds a manifest keras-vae wrote."""
    out.mkdir()
    (out / "manifest.json").write_text('{"versions": {"keras_vae": "0.1.0"}}')
    (out / "old.txt").write_text("old")


def test_overwrite_replaces_the_folder_atomically(dense, quick_export, tmp_path):
    out = tmp_path / "out"
    _earlier_export(out)
    quick_export(dense, out, "onnx", overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["decoder.onnx", "encoder.onnx", "manifest.json", "scorer.onnx"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_existing_empty_folder_is_fine(dense, quick_export, tmp_path):
    (tmp_path / "out").mkdir()
    quick_export(dense, tmp_path / "out", "onnx")
    assert (tmp_path / "out" / "manifest.json").exists()


@pytest.mark.parametrize("target", ["file", "below_file"])
def test_unwritable_destination(dense, tmp_path, target):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file")
    out = blocker if target == "file" else blocker / "sub" / "out"
    with pytest.raises(ValueError, match="not a folder"):
        export_lib.export(dense, out, "onnx")
    assert _listing(tmp_path) == ["blocker"]


def test_missing_parents_are_created(dense, quick_export, tmp_path):
    quick_export(dense, tmp_path / "a" / "b" / "out", "onnx")
    assert (tmp_path / "a" / "b" / "out" / "manifest.json").exists()


def test_parity_mismatch_fails_naming_the_output_and_leaves_nothing(dense, quick_export, tmp_path, monkeypatch):
    real_runner = export_lib.onnx.runner

    def skewed_runner(path, artifact, graph):
        run = real_runner(path, artifact, graph)

        def skewed(feed):
            out = run(feed)
            if "image_mean" in out:
                out["image_mean"] = out["image_mean"] + 0.01
            return out

        return skewed

    monkeypatch.setattr(export_lib.onnx, "runner", skewed_runner)
    with pytest.raises(ParityError, match=r"onnx float32 decoder \(decoder.onnx\): output 'image_mean' differs "
                                          r"from Keras by max abs 0.01 \(tolerance 0.0001\)"):
        quick_export(dense, tmp_path / "new" / "out", "onnx")
    assert _listing(tmp_path) == []  # not even the parent it created


def test_converter_failure_leaves_nothing(dense, quick_export, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("converter crashed")

    monkeypatch.setattr(tflite, "convert", broken)
    with pytest.raises(RuntimeError, match="converter crashed"):
        quick_export(dense, tmp_path / "out", "saved_model,tflite")
    assert _listing(tmp_path) == []


def test_failure_keeps_the_old_folder_on_overwrite(dense, quick_export, tmp_path, monkeypatch):
    out = tmp_path / "out"
    _earlier_export(out)
    monkeypatch.setattr(tflite, "convert", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        quick_export(dense, out, "tflite", overwrite=True)
    assert _listing(tmp_path) == ["out", "out/manifest.json", "out/old.txt"]


def test_overwrite_refuses_a_folder_of_other_files(dense, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(ValueError, match="not a keras-vae export"):
        export_lib.export(dense, out, "onnx", overwrite=True, reference="samples")
    assert _listing(tmp_path) == ["out", "out/thesis.tex"]


def test_not_a_keras_vae_model(tmp_path):
    plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="keras_vae model.*got Sequential"):
        export_lib.export(plain, tmp_path / "out", "onnx")
    assert _listing(tmp_path) == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"tflite_variants": ["int4"]}, "unknown TFLite variant"),
        ({"verify_examples": 0}, "verify_examples must be a positive integer"),
        ({"reference": "web"}, "reference data source must be one of"),
        ({"dataset": "imagenet"}, "unknown dataset 'imagenet'"),
    ],
)
def test_bad_options(dense, tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        export_lib.export(dense, tmp_path / "out", "onnx", **kwargs)
    assert _listing(tmp_path) == []


def test_load_source_rejects_a_plain_keras_model(tmp_path):
    path = tmp_path / "plain.keras"
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]).save(path)
    with pytest.raises(ValueError, match="holds a Sequential, not a keras_vae model"):
        cli.load_source(str(path))


@pytest.mark.parametrize("name, content", [("junk.keras", b"not a zip"), ("weights.h5", b"\x89HDF")])
def test_load_source_rejects_other_files(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a .keras model archive"):
        cli.load_source(str(path))


def test_load_source_rejects_unknown_names_and_missing_files(tmp_path):
    with pytest.raises(ValueError, match="Unknown recipe 'conv_mnis'.*Did you mean: conv_mnist"):
        cli.load_source("conv_mnis")
    with pytest.raises(FileNotFoundError, match="no model file"):
        cli.load_source(str(tmp_path / "missing.keras"))


def test_load_source_round_trips_a_saved_model(dense, tmp_path):
    path = tmp_path / "dense.keras"
    dense.save(path)
    model, recipe, source = cli.load_source(str(path))
    assert recipe is None and source == str(path)
    x = np.zeros((2, 28, 28, 1), "float32")
    np.testing.assert_array_equal(model.reconstruct(x), dense.reconstruct(x))
