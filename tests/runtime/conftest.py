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


def _export_both(root):
    out = {}
    for kind in ("unconditional", "conditional"):
        model = tiny_model(kind == "conditional")
        out[kind] = (model, _export(model, root / kind))
        model.save_weights(root / f"{kind}.weights.h5")  # beside the export, for the other workers
    return out


@pytest.fixture(scope="session")
def exported(tmp_path_factory, worker_id):
    """{"unconditional" | "conditional": (Keras model, export folder)}.

    Under pytest-xdist the first worker to get here exports (about 30 s) and the others reuse
    its folders and weights (the pattern of xdist's docs: a file lock in the run's shared
    temporary folder), instead of every worker exporting the same models.
    """
    if worker_id == "master":
        return _export_both(tmp_path_factory.mktemp("runtime_exports"))
    from filelock import FileLock

    root = tmp_path_factory.getbasetemp().parent / "runtime_exports"  # this run's, shared by its workers
    with FileLock(f"{root}.lock"):
        if not (root / "done").exists():
            root.mkdir()
            _export_both(root)
            (root / "done").write_text("")
    out = {}
    for kind in ("unconditional", "conditional"):
        model = tiny_model(kind == "conditional")
        model.load_weights(root / f"{kind}.weights.h5")
        out[kind] = (model, root / kind)
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
