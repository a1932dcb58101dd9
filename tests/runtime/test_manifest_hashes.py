"""A manifest that lists a graph file without its sha256 is refused, not trusted (issue 16, item 6)."""

import json
import shutil

import pytest

from keras_vae.runtime import ManifestError, read_manifest


def test_file_without_a_hash_is_refused(onnx_only, tmp_path):
    folder = tmp_path / "export"
    shutil.copytree(onnx_only, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    decoder_file = manifest["graphs"]["decoder"]["files"]["onnx"]
    for entry in manifest["files"]:
        if entry["path"] == decoder_file:
            del entry["sha256"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    m = read_manifest(folder)
    m.file("encoder", "onnx")  # still listed with its hash: fine
    with pytest.raises(ManifestError, match="records no sha256"):
        m.file("decoder", "onnx")
    manifest["files"] = [e for e in manifest["files"] if e["path"] != decoder_file]  # not listed at all
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match="records no sha256"):
        read_manifest(folder).file("decoder", "onnx")
