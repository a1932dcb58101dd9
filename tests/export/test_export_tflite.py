"""TFLite export of each family: four variants, signature names, resizable batch, errors reported."""

import numpy as np
import pytest

from keras_vae.export import tflite
from keras_vae.export.graphs import build_graphs


# Here conv joins dense in the slow run (suite budget, 28 s): the runtime tests export an
# unconditional conv model to TFLite float32 and int8 and check both against Keras, and the
# conditional conv family below covers every variant, signature and batch size.
@pytest.fixture(scope="module", params=(
    pytest.param("dense", marks=pytest.mark.slow), pytest.param("conv", marks=pytest.mark.slow), "conditional",
))
def family_model(request, make_tiny):
    return request.param, make_tiny(request.param)


@pytest.fixture(scope="module")
def exported(family_model, quick_export, tmp_path_factory):
    family, model = family_model
    out = tmp_path_factory.mktemp(f"tflite_{family}") / "out"
    return model, out, quick_export(model, out, "tflite")


def _interpreter(path):
    from ai_edge_litert.interpreter import Interpreter

    return Interpreter(model_path=str(path))


def test_one_file_per_graph_and_variant(exported):
    _, out, manifest = exported
    expected = {f"{g}.{v}.tflite" for g in ("encoder", "decoder", "scorer") for v in tflite.VARIANTS}
    assert {p.name for p in out.iterdir()} == expected | {"manifest.json"}
    for name, graph in manifest["graphs"].items():
        assert graph["files"] == {"tflite": {v: f"{name}.{v}.tflite" for v in tflite.VARIANTS}}
    assert list(manifest["formats"]["tflite"]["variants"]) == list(tflite.VARIANTS)


def test_signatures_keep_names_and_float_io_in_every_variant(exported):
    _, out, manifest = exported
    for name, graph in manifest["graphs"].items():
        for variant, file in graph["files"]["tflite"].items():
            interpreter = _interpreter(out / file)
            signature = interpreter.get_signature_list()[graph["signature"]]
            assert sorted(signature["inputs"]) == sorted(i["name"] for i in graph["inputs"])
            assert sorted(signature["outputs"]) == sorted(o["name"] for o in graph["outputs"])
            runner = interpreter.get_signature_runner(graph["signature"])
            inputs = runner.get_input_details()
            for spec in graph["inputs"]:
                assert np.dtype(inputs[spec["name"]]["dtype"]).name == spec["dtype"]
                assert inputs[spec["name"]]["shape_signature"][0] == -1  # resizable batch
            for detail in runner.get_output_details().values():
                assert np.dtype(detail["dtype"]).name == "float32"


def test_int8_variant_is_full_integer_inside(exported):
    _, out, _ = exported
    interpreter = _interpreter(out / "decoder.int8.tflite")
    dtypes = {np.dtype(t["dtype"]).name for t in interpreter.get_tensor_details()}
    assert "int8" in dtypes


@pytest.mark.parametrize("batch", [1, 4])
def test_float32_files_match_keras_at_any_batch(exported, random_feeds, batch):
    model, out, _ = exported
    graphs = build_graphs(model)
    for name, feed in random_feeds(model, batch).items():
        runner = _interpreter(out / f"{name}.float32.tflite").get_signature_runner(graphs[name].signature)
        got = runner(**feed)
        for key, value in graphs[name].reference(feed).items():
            np.testing.assert_allclose(got[key], value, atol=1e-4, rtol=1e-6)


def test_manifest_reports_size_and_error_of_every_variant(exported):
    _, out, manifest = exported
    summary = manifest["tflite_summary"]
    assert list(summary) == list(tflite.VARIANTS)
    for variant, entry in summary.items():
        files = [f"{g}.{variant}.tflite" for g in ("encoder", "decoder", "scorer")]
        assert entry["size_bytes"] == sum((out / f).stat().st_size for f in files)
        assert np.isfinite(entry["decoder_max_abs"]) and np.isfinite(entry["mean_neg_elbo_change"])
    assert summary["float32"]["compression_vs_float32"] == 1.0
    assert summary["float32"]["decoder_max_abs"] <= 1e-4
    assert summary["int8"]["compression_vs_float32"] > 1.0
    for r in manifest["verification"]["artifacts"]:
        assert r["exact"] == (r["variant"] == "float32")
        assert r["passed"]
        assert (r["tolerance"] is None) == (not r["exact"])
