"""Inputs are checked against the manifest, and a bad export folder is refused, with clear errors."""

import json
import shutil

import numpy as np
import pytest

from keras_vae.runtime import ExportedVAE, InputError, ManifestError, read_manifest


@pytest.fixture(scope="module")
def plain(exported):
    return ExportedVAE(exported["unconditional"][1])


@pytest.fixture(scope="module")
def conditional(exported):
    return ExportedVAE(exported["conditional"][1])


def test_input_error_is_a_value_error():
    assert issubclass(InputError, ValueError) and issubclass(ManifestError, ValueError)


@pytest.mark.parametrize(
    "x, message",
    [
        (np.zeros((2, 28, 28), "float32"), r"images must have shape \(batch, 28, 28, 1\), got \(2, 28, 28\)"),
        (np.zeros((28, 28, 1), "float32"), r"must have a batch axis.*x\[None\]"),
        (np.zeros((2, 32, 32, 1), "float32"), r"\(batch, 28, 28, 1\)"),
        (np.zeros((2, 28, 28, 1), "uint8"), r"floating dtype.*got uint8 \(scale uint8 pixels with x / 255.0\)"),
        (np.zeros((2, 28, 28, 1), "int64"), r"floating dtype.*got int64"),
        (np.full((2, 28, 28, 1), 1.5, "float32"), r"values must lie in \[0, 1\], got values in \[1\.5, 1\.5\]"),
        (np.full((2, 28, 28, 1), -0.1, "float32"), r"values must lie in \[0, 1\]"),
        (np.full((2, 28, 28, 1), np.nan, "float32"), r"NaN or infinite"),
        ("image.png", r"must be an array, got str"),
    ],
)
def test_bad_images(plain, x, message):
    for call in (plain.encode, plain.reconstruct, plain.score):
        with pytest.raises(InputError, match=message):
            call(x)


@pytest.mark.parametrize(
    "z, message",
    [
        (np.zeros((2, 4), "float32"), r"z must have shape \(batch, 3\), got \(2, 4\)"),
        (np.zeros(3, "float32"), r"batch axis"),
        (np.zeros((2, 3), "int32"), r"floating dtype.*int32"),
        (np.array([[0, np.inf, 0]], "float32"), r"NaN or infinite"),
    ],
)
def test_bad_latents(plain, z, message):
    with pytest.raises(InputError, match=message):
        plain.decode(z)


def test_float64_and_lists_are_accepted(plain):
    assert plain.decode([[0.0, 0.0, 0.0]]).dtype == np.float32
    assert plain.encode(np.zeros((1, 28, 28, 1)))[0].dtype == np.float32


@pytest.mark.parametrize(
    "labels, message",
    [
        (None, r"conditional export needs labels: integers in \[0, 10\)"),
        ([0, 10], r"labels must lie in \[0, 10\), got values in \[0, 10\]"),
        ([-1, 0], r"labels must lie in \[0, 10\)"),
        ([0.5, 1.0], r"non-integer float64"),
        (["a", "b"], r"labels must be integers, got dtype <U1"),
        ([True, False], r"labels must be integers, got dtype bool"),
        ([0, 1, 2], r"got 3 labels for 2 examples"),
        ([[0, 1]], r"labels must have shape \(batch,\)"),
    ],
)
def test_bad_labels(conditional, labels, message):
    z = np.zeros((2, 3), "float32")
    with pytest.raises(InputError, match=message):
        conditional.decode(z, labels)


def test_labels_given_to_an_unconditional_export(plain):
    with pytest.raises(InputError, match="unconditional and takes no labels"):
        plain.decode(np.zeros((1, 3), "float32"), labels=[1])


def test_integral_float_and_column_labels_are_accepted(conditional):
    z = np.zeros((2, 3), "float32")
    np.testing.assert_array_equal(conditional.decode(z, [1.0, 2.0]), conditional.decode(z, np.array([[1], [2]])))


def test_bad_noise_counts_and_batch_sizes(plain):
    x = np.zeros((2, 28, 28, 1), "float32")
    with pytest.raises(InputError, match=r"noise must have shape \(batch, 3\)"):
        plain.score(x, noise=np.zeros((2, 2), "float32"))
    with pytest.raises(InputError, match="got noise for 3 examples and 2 images"):
        plain.score(x, noise=np.zeros((3, 3), "float32"))
    for bad in (0, -1, 2.0, True):
        with pytest.raises(InputError, match="n must be a positive integer"):
            plain.sample(bad)
    with pytest.raises(InputError, match="batch_size must be a positive integer"):
        plain.decode(np.zeros((1, 3), "float32"), batch_size=0)


# ----- the export folder -------------------------------------------------------------------
def _copy(exported, tmp_path):
    dst = tmp_path / "export"
    shutil.copytree(exported["unconditional"][1], dst)
    return dst


def _edit_manifest(folder, edit):
    path = folder / "manifest.json"
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def test_missing_folder_and_manifest(tmp_path):
    with pytest.raises(ManifestError, match="does not exist"):
        ExportedVAE(tmp_path / "nowhere")
    with pytest.raises(ManifestError, match="holds no manifest.json; is it a keras_vae export folder"):
        ExportedVAE(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ManifestError, match="not valid JSON"):
        read_manifest(tmp_path)


def test_unsupported_version_and_missing_keys(exported, tmp_path):
    folder = _copy(exported, tmp_path)
    _edit_manifest(folder, lambda m: m.update(manifest_version=2))
    with pytest.raises(ManifestError, match=r"manifest_version 2; this runtime reads versions \[1\]"):
        ExportedVAE(folder)
    _edit_manifest(folder, lambda m: (m.update(manifest_version=1), m.pop("latent_dim")))
    with pytest.raises(ManifestError, match="has no 'latent_dim' entry"):
        ExportedVAE(folder)


def test_corrupt_or_missing_artifacts(exported, tmp_path):
    folder = _copy(exported, tmp_path)
    data = bytearray((folder / "decoder.onnx").read_bytes())
    data[-1] ^= 0xFF
    (folder / "decoder.onnx").write_bytes(bytes(data))
    vae = ExportedVAE(folder)
    with pytest.raises(ManifestError, match=r"decoder.onnx is corrupt: sha256 \w+ differs from the manifest's"):
        vae.decode(np.zeros((1, 3), "float32"))
    (folder / "encoder.onnx").unlink()
    with pytest.raises(ManifestError, match="encoder.onnx is listed in the manifest but missing"):
        ExportedVAE(folder)


def test_backend_and_variant_choice(exported, onnx_only):
    folder = exported["unconditional"][1]
    with pytest.raises(ManifestError, match="not exported to tflite.*formats including 'tflite'"):
        ExportedVAE(onnx_only, backend="litert")
    with pytest.raises(ManifestError, match=r"no tflite variant 'float16' of encoder; exported: \['float32', 'int8'\]"):
        ExportedVAE(folder, backend="litert", variant="float16")
    with pytest.raises(ValueError, match="unknown backend 'tensorflow'"):
        ExportedVAE(folder, backend="tensorflow")
    with pytest.raises(ValueError, match="variant selects a TFLite file and needs backend='litert'"):
        ExportedVAE(folder, variant="int8")
    assert ExportedVAE(onnx_only).decode(np.zeros((1, 3), "float32")).shape == (1, 28, 28, 1)
