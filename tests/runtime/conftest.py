"""Tiny exported models for the runtime tests: exported once per session, ONNX and TFLite."""

import numpy as np
import pytest

TFLITE_VARIANTS = ["float32", "int8"]


def tiny_model(conditional):
    from keras_vae.models import ConvVAE

    if conditional:
        return ConvVAE(num_classes=10, latent_dim=3, filters=(4, 8), hidden_units=16, seed=1)
    return ConvVAE(latent_dim=3, filters=(4, 8), hidden_units=16, seed=1)


def _export(model, folder):
    from keras_vae.export import export

    export(
        model, folder, "onnx,tflite", reference="samples", verify_examples=8, calibration_examples=32,
        tflite_variants=TFLITE_VARIANTS,
    )
    return folder


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """{"unconditional" | "conditional": (Keras model, export folder)}."""
    root = tmp_path_factory.mktemp("runtime_exports")
    out = {}
    for kind in ("unconditional", "conditional"):
        model = tiny_model(kind == "conditional")
        out[kind] = (model, _export(model, root / kind))
    return out


@pytest.fixture(scope="session")
def onnx_only(tmp_path_factory, exported):
    """An export folder holding the ONNX files only (copied, manifest unchanged but for files)."""
    import json
    import shutil

    src = exported["unconditional"][1]
    dst = tmp_path_factory.mktemp("onnx_only") / "export"
    dst.mkdir()
    manifest = json.loads((src / "manifest.json").read_text())
    for graph in manifest["graphs"].values():
        graph["files"] = {"onnx": graph["files"]["onnx"]}
        shutil.copy(src / graph["files"]["onnx"], dst)
    manifest["files"] = [f for f in manifest["files"] if f["path"].endswith(".onnx")]
    (dst / "manifest.json").write_text(json.dumps(manifest))
    return dst


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    return (rng.random((6, 28, 28, 1)) < 0.3).astype("float32")
