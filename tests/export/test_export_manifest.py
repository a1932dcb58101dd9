"""A full export (all formats) of the conditional family: the manifest a runtime will read."""

import json

import numpy as np
import pytest

from keras_vae.export import manifest as manifest_lib
from keras_vae.export import tflite
from keras_vae.files import sha256


@pytest.fixture(scope="module")
def exported(quick_export, make_tiny, tmp_path_factory):
    model = make_tiny("conditional")
    out = tmp_path_factory.mktemp("manifest") / "out"
    return model, out, quick_export(model, out, "all", source="test", tflite_variants=["float32", "int8"])


def test_manifest_on_disk_equals_the_returned_dict(exported):
    _, out, manifest = exported
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert manifest_lib.read(out) == manifest


def test_model_description(exported):
    model, _, m = exported
    assert m["manifest_version"] == manifest_lib.MANIFEST_VERSION
    assert m["model"] == {
        "name": model.name, "class": "ConvVAE", "recipe": None, "source": "test", "params": model.count_params()
    }
    assert m["image_shape"] == [28, 28, 1] and m["image_dtype"] == "float32"
    assert m["value_range"] == [0.0, 1.0]
    assert m["latent_dim"] == 2
    assert m["likelihood"]["name"] == "bernoulli"
    assert m["conditional"] is True and m["num_classes"] == 10
    assert m["label_names"] == [str(i) for i in range(10)]
    for key in ("keras_vae", "keras", "tensorflow", "tf2onnx", "onnx", "onnxruntime", "ai_edge_litert"):
        assert m["versions"][key]
    assert m["reference_data"]["source"] == "samples"


def test_graph_inputs_outputs_and_files(exported):
    _, _, m = exported
    g = m["graphs"]
    names = lambda items: [(i["name"], i["shape"], i["dtype"]) for i in items]  # noqa: E731
    image = ("image", [None, 28, 28, 1], "float32")
    label = ("label", [None], "int32")
    assert names(g["encoder"]["inputs"]) == [image, label]
    assert names(g["encoder"]["outputs"]) == [("z_mean", [None, 2], "float32"), ("z_log_var", [None, 2], "float32")]
    assert names(g["decoder"]["inputs"]) == [("z", [None, 2], "float32"), label]
    assert names(g["decoder"]["outputs"]) == [("image_mean", [None, 28, 28, 1], "float32")]
    assert names(g["scorer"]["inputs"]) == [image, label, ("noise", [None, 2], "float32")]
    assert names(g["scorer"]["outputs"]) == [("score", [None], "float32"), ("reconstruction", image[1], "float32")]
    assert g["decoder"]["files"] == {
        "saved_model": "saved_model",
        "tflite": {"float32": "decoder.float32.tflite", "int8": "decoder.int8.tflite"},
        "onnx": "decoder.onnx",
    }
    assert [g[n]["signature"] for n in ("encoder", "decoder", "scorer")] == ["encode", "decode", "score"]


def test_every_file_is_listed_with_its_hash(exported):
    _, out, m = exported
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert [f["path"] for f in m["files"]] == [p for p in on_disk if p != "manifest.json"]
    assert any(p.startswith("saved_model/") for p in on_disk)
    for f in m["files"]:
        assert f["sha256"] == sha256(out / f["path"])
        assert f["size_bytes"] == (out / f["path"]).stat().st_size


def test_parity_figures_for_every_artifact(exported):
    _, _, m = exported
    v = m["verification"]
    assert v["passed"] and v["float32_tolerance"] == 1e-4 and len(v["feeds"]) == 2
    combos = {(r["format"], r["variant"], r["graph"]) for r in v["artifacts"]}
    assert len(combos) == 3 * (1 + 2 + 1)
    for r in v["artifacts"]:
        assert all(np.isfinite(x) for x in r["max_abs"].values())
        if r["graph"] == "scorer":
            assert np.isfinite(r["mean_score_change"])
    assert set(m["tflite_summary"]) == {"float32", "int8"}
    int8 = m["formats"]["tflite"]["variants"]["int8"]
    assert int8 == {"weights": "int8", "activations": "int8", "io_dtype": "float32", "calibrated": True,
                    "float_ops": tflite.VARIANT_INFO["int8"]["float_ops"]}


def test_no_staging_folders_left_beside_the_output(exported):
    _, out, _ = exported
    assert [p.name for p in out.parent.iterdir()] == ["out"]


def test_real_data_is_used_and_recorded_when_available(quick_export, make_tiny, mnist_dir, tmp_path):
    model = make_tiny("conditional")
    m = quick_export(model, tmp_path / "out", "onnx", reference="dataset", data_dir=mnist_dir)
    info = m["reference_data"]
    assert info["source"] == "dataset" and info["dataset"] == "mnist" and info["binarize"] == "fixed"
    assert "test split" in info["verification"]
    assert m["verification"]["passed"]


def test_falls_back_to_model_samples_without_data(quick_export, make_tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_VAE_TFDS_DIR", str(tmp_path / "empty_tfds"))
    monkeypatch.delenv("KERAS_VAE_DATA_DIR", raising=False)
    m = quick_export(make_tiny("dense"), tmp_path / "out", "onnx", reference="auto")
    info = m["reference_data"]
    assert info["source"] == "samples" and info["reason"].startswith("dataset unavailable: dataset 'mnist'")
    assert m["verification"]["passed"]


def test_dataset_reference_without_data_is_an_error(quick_export, make_tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_VAE_TFDS_DIR", str(tmp_path / "empty_tfds"))
    monkeypatch.delenv("KERAS_VAE_DATA_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match="not prepared"):
        quick_export(make_tiny("dense"), tmp_path / "out", "onnx", reference="dataset")
    assert [p.name for p in tmp_path.iterdir()] == []


def test_gaussian_likelihood_model(quick_export, tmp_path):
    from keras_vae.models import DenseVAE

    model = DenseVAE(latent_dim=2, hidden_units=(16,), likelihood={"name": "gaussian", "config": {"learn_scale": True}})
    m = quick_export(model, tmp_path / "out", "onnx,tflite", tflite_variants=["float32"])
    assert m["likelihood"] == {"name": "gaussian", "config": {"scale": 0.1, "learn_scale": True, "min_scale": 0.001}}
    assert m["value_range"] is None and m["reference_data"]["binarize"] is None
    assert m["graphs"]["decoder"]["outputs"] == [{"name": "image_mean", "shape": [None, 28, 28, 1], "dtype": "float32"}]
    assert m["verification"]["passed"]
