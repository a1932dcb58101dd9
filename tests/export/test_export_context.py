"""Families with an autoregressive decoder (a decoder context) export their encoder and scorer.

The decoder graph is left out with its reason (``graphs_left_out``); a format whose
converter cannot lower a graph leaves that graph out with the converter's reason
(``formats.tflite.left_out``) and the rest of the export stands. ONNX parity of both
families (PixelVAE, SequenceVAE), the manifest's ``graphs_left_out`` and the runtime's
decode error on real exports run in ``tests/test_harness.py``.
"""

import json
import types

import numpy as np
import pytest

from helpers import token_sequences, tiny_models, tiny_recipe_model
from keras_vae.export import graphs as graphs_lib
from keras_vae.export import tflite
from keras_vae.export.artifact import ExportContext
from keras_vae.runtime import ExportedVAE, ManifestError

GRU_ERROR = ("<unknown>:0: error: loc(callsite(fused[\"TensorListReserve:\"])): 'tf.TensorListReserve' op requires "
             "element_shape to be static during TF Lite transformation pass\n<unknown>:0: error: Lowering tensor "
             "list ops is failed. Please consider using Select TF ops")


def test_the_decoder_is_left_out_for_a_decoder_context_only():
    pixel, sequence, conv = tiny_models()["pixel"](), tiny_recipe_model("selfies_moses"), tiny_models()["conv"]()
    assert "16 sequential decoder passes (one per pixel)" in graphs_lib.left_out(pixel)["decoder"]
    assert "max_length = 56 sequential decoder steps" in graphs_lib.left_out(sequence)["decoder"]
    assert graphs_lib.left_out(conv) == {}
    graphs = graphs_lib.build_graphs(sequence)
    assert list(graphs) == ["encoder", "scorer"]
    # A categorical likelihood's mean is the token probabilities, not the ids' shape.
    assert graphs["scorer"].outputs[1].shape == (None, 56, sequence.vocab.size)


def test_a_graph_the_converter_cannot_lower_is_left_out_with_its_reason(monkeypatch, tmp_path):
    from tensorflow.lite.python.convert_phase import ConverterError

    def convert(saved_model_dir, graph, variant, representative=None):
        if graph.name == "scorer":
            raise ConverterError(GRU_ERROR)
        return b"flatbuffer"

    monkeypatch.setattr(tflite, "convert", convert)
    graphs = {name: types.SimpleNamespace(name=name, signature=sig) for name, sig in (("encoder", "encode"),
                                                                                       ("scorer", "score"))}
    context = ExportContext(None, graphs, tmp_path, options={"tflite_variants": ["float32", "int8"]})
    artifacts = tflite.write(context)
    assert [(a.graph, a.variant) for a in artifacts] == [("encoder", "float32"), ("encoder", "int8")]
    left_out = tflite.describe(context, artifacts)["left_out"]
    assert left_out["scorer"]["variants"] == ["float32", "int8"]
    reason = left_out["scorer"]["reason"]
    assert reason.startswith("TFLite's converter cannot lower the scorer graph (float32) to builtin ops: "
                             "'tf.TensorListReserve' op requires element_shape to be static")
    assert "Flex delegate" in reason and "\n" not in reason
    # Without an int8 scorer nothing bounds the int8 encoder: it is not shipped.
    refused = tflite.refusals([{"graph": "encoder", "format": "tflite", "variant": "int8", "max_abs": {}}])
    assert set(refused) == {"encoder"} and "no int8 scorer" in refused["encoder"]["reason"]


def _fake_export(folder, latent_dim=4, length=56):
    """A manifest (no real graphs) of a token model: encoder in TFLite, scorer left out of it, no decoder."""
    folder.mkdir()
    (folder / "encoder.float32.tflite").write_bytes(b"x")
    tensor = lambda name, shape: {"name": name, "shape": [None, *shape], "dtype": "float32"}  # noqa: E731
    manifest = {
        "manifest_version": 1, "image_shape": [length], "latent_dim": latent_dim, "value_range": None,
        "conditional": False, "num_classes": None, "likelihood": {"name": "categorical"},
        "graphs": {
            "encoder": {"signature": "encode", "inputs": [tensor("image", [length])],
                        "outputs": [tensor("z_mean", [latent_dim]), tensor("z_log_var", [latent_dim])],
                        "files": {"tflite": {"float32": "encoder.float32.tflite"}}},
            "scorer": {"signature": "score", "inputs": [tensor("image", [length]), tensor("noise", [latent_dim])],
                       "outputs": [tensor("score", []), tensor("reconstruction", [length, 29])], "files": {}},
        },
        "graphs_left_out": {"decoder": "SequenceVAE's decoder is autoregressive: a reason"},
        "formats": {"tflite": {"left_out": {"scorer": {"variants": ["float32"], "reason": "cannot lower it"}}}},
        "files": [],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_the_runtime_opens_what_was_exported_and_names_the_reason_for_the_rest(tmp_path):
    vae = ExportedVAE(_fake_export(tmp_path / "seq"), backend="litert", verify_files=False)
    assert vae.image_shape == (56,) and vae.manifest.graphs_left_out
    x = np.zeros((2, 56), "float32")
    with pytest.raises(ManifestError, match=r"no tflite file of the scorer graph: cannot lower it$"):
        vae.score(x)
    for call in (lambda: vae.decode(np.zeros((1, 4), "float32")), lambda: vae.sample(2), lambda: vae.reconstruct(x)):
        with pytest.raises(ManifestError, match=r"has no decoder graph: SequenceVAE's decoder is autoregressive"):
            call()


@pytest.mark.slow
def test_sequence_vae_tflite_export_leaves_out_the_gru_scorer(quick_export, tmp_path):
    """Measured (20 s): TF 2.21's converter cannot lower the Keras GRU's TensorList loop with a dynamic batch."""
    pytest.importorskip("ai_edge_litert")
    model = tiny_recipe_model("selfies_moses")  # conv encoder, GRU decoder
    out = tmp_path / "seq"
    manifest = quick_export(model, out, "tflite", tflite_variants=["float32"], verify_examples=4,
                            calibration_examples=4)
    assert set(manifest["graphs"]) == {"encoder", "scorer"} and "decoder" in manifest["graphs_left_out"]
    left_out = manifest["formats"]["tflite"]["left_out"]
    assert set(left_out) == {"scorer"} and "TensorListReserve" in left_out["scorer"]["reason"]
    assert [r["graph"] for r in manifest["verification"]["artifacts"]] == ["encoder"]
    vae = ExportedVAE(out, backend="litert")
    x = token_sequences(model, 3, np.random.default_rng(0))
    np.testing.assert_allclose(vae.encode(x)[0], model.encode(x)[0], atol=1e-4)
    with pytest.raises(ManifestError, match="no tflite file of the scorer graph: TFLite's converter cannot lower"):
        vae.score(x)
