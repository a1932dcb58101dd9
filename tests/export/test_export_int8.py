"""The int8 TFLite variant (issue 15): integer network, float likelihood and label path, bounds or refusal."""

import numpy as np
import pytest

from keras_vae import zoo
from keras_vae.export import export, tflite
from keras_vae.runtime import ExportedVAE, ManifestError


def _record(graph, max_abs, change=None):
    record = {"graph": graph, "format": "tflite", "variant": "int8", "max_abs": max_abs}
    if change is not None:
        record["mean_score_change"] = change
    return record


def test_refusals_apply_the_bounds_and_the_encoder_follows_the_scorer():
    ok = [
        _record("encoder", {"z_mean": 0.3, "z_log_var": 0.2}),
        _record("decoder", {"image_mean": 0.05}),
        _record("scorer", {"score": 4.0, "reconstruction": 0.3}, change=-1.0),
    ]
    assert tflite.refusals(ok) == {}
    bad = [
        _record("encoder", {"z_mean": 0.3, "z_log_var": 0.2}),
        _record("decoder", {"image_mean": 0.14}),
        _record("scorer", {"score": 75.0, "reconstruction": 0.3}, change=-38.6),
        {**_record("decoder", {"image_mean": 0.9}), "variant": "dynamic_int8"},  # not int8: never refused
    ]
    refused = tflite.refusals(bad)
    assert set(refused) == {"encoder", "decoder", "scorer"}
    assert refused["decoder"]["measured"] == 0.14 and refused["decoder"]["bound"] == 0.05
    assert "image_mean max abs error 0.14" in refused["decoder"]["reason"]
    assert "mean negative ELBO change -38.6 nats" in refused["scorer"]["reason"]
    assert "with the scorer" in refused["encoder"]["reason"]


@pytest.fixture(scope="module")
def conditional_int8(make_tiny, quick_export, tmp_path_factory):
    model = make_tiny("conditional")
    out = tmp_path_factory.mktemp("int8_cond") / "out"
    return model, out, quick_export(model, out, "tflite", tflite_variants=["float32", "int8"])


def _ops(path):
    """[(op name, output dtype)] of a .tflite file."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    tensors = interpreter.get_tensor_details()
    return [(op["op_name"], np.dtype(tensors[op["outputs"][0]]["dtype"]).name) for op in interpreter._get_ops_details()]


def test_network_is_int8_and_likelihood_kl_and_labels_stay_float(conditional_int8):
    _, out, manifest = conditional_int8
    ops = _ops(out / "scorer.int8.tflite")
    kinds = {name for name, _ in ops}
    assert {"CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV", "SUM", "ONE_HOT"} <= kinds
    for name, dtype in ops:
        if name in ("CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV"):
            assert dtype == "int8", (name, dtype)
        if name in tflite.FLOAT_OPS:
            assert dtype != "int8", (name, dtype)  # float32, or an integer index (the label's CAST)
        if name in ("SUM", "LOG", "EXP", "LOGISTIC", "ONE_HOT", "CONCATENATION"):
            assert dtype == "float32", (name, dtype)
    assert manifest["formats"]["tflite"]["variants"]["int8"]["float_ops"]


def test_tiny_conditional_int8_meets_the_bounds(conditional_int8):
    _, _, manifest = conditional_int8
    records = {r["graph"]: r for r in manifest["verification"]["artifacts"] if r["variant"] == "int8"}
    assert records["decoder"]["max_abs"]["image_mean"] <= 0.05
    assert abs(records["scorer"]["mean_score_change"]) <= 1.0
    assert "refused" not in manifest["formats"]["tflite"]
    assert set(manifest["graphs"]["decoder"]["files"]["tflite"]) == {"float32", "int8"}


def test_a_graph_outside_its_bound_is_not_shipped_and_the_manifest_says_why(make_tiny, quick_export, tmp_path,
                                                                          monkeypatch):
    # No int8 decoder is exact: with a zero bound the decoder must be refused.
    monkeypatch.setitem(tflite.INT8_BOUNDS, "decoder", ("image_mean", "max_abs", 0.0))
    out = tmp_path / "out"
    manifest = quick_export(make_tiny("dense"), out, "tflite", tflite_variants=["float32", "int8"])

    refused = manifest["formats"]["tflite"]["refused"]
    assert set(refused) == {"decoder"} and refused["decoder"]["bound"] == 0.0
    assert refused["decoder"]["measured"] > 0.0
    assert not (out / "decoder.int8.tflite").exists() and (out / "scorer.int8.tflite").exists()
    assert "decoder.int8.tflite" not in {f["path"] for f in manifest["files"]}
    assert manifest["graphs"]["decoder"]["files"]["tflite"] == {"float32": "decoder.float32.tflite"}
    record = next(r for r in manifest["verification"]["artifacts"] if r["graph"] == "decoder" and r["variant"] == "int8")
    assert record["refused"] == refused["decoder"]["reason"]
    assert manifest["tflite_summary"]["int8"]["refused_graphs"] == ["decoder"]

    # The runtime opens the variant, scores with it, and names the reason when asked to decode.
    vae = ExportedVAE(out, backend="litert", variant="int8")
    images = (np.random.default_rng(0).random((2, 28, 28, 1)) < 0.3).astype("float32")
    assert vae.score(images).shape == (2,)
    with pytest.raises(ManifestError, match="no tflite variant 'int8' of decoder .*int8 decoder not shipped"):
        vae.decode(np.zeros((2, 2), "float32"))


@pytest.mark.slow  # about a minute per model on 2 cores
@pytest.mark.parametrize("name", zoo.int8_recipes())
def test_every_shipped_image_model_meets_the_int8_bounds_or_is_refused(name, mnist_dir, tmp_path):
    recipe = zoo.get(name)
    data_dir = mnist_dir.parent / recipe.dataset
    manifest = export(zoo.load(name), tmp_path / name, "tflite", recipe=name, reference="dataset", data_dir=data_dir,
                      tflite_variants=["float32", "int8"])
    refused = manifest["formats"]["tflite"].get("refused", {})
    records = {r["graph"]: r for r in manifest["verification"]["artifacts"] if r["variant"] == "int8"}
    change = records["scorer"]["mean_score_change"]
    assert ("scorer" in refused) == (abs(change) > 1.0)
    graphs = ["encoder", "scorer"]
    if "decoder" in manifest.get("graphs_left_out", {}):  # autoregressive (PixelVAE): no decoder graph at all
        assert "decoder" not in records and not list(tmp_path.glob(f"{name}/decoder.*"))
    else:
        graphs.append("decoder")
        assert ("decoder" in refused) == (records["decoder"]["max_abs"]["image_mean"] > 0.05)
    for graph in graphs:
        shipped = (tmp_path / name / f"{graph}.int8.tflite").exists()
        assert shipped == (graph not in refused)
        assert shipped or refused[graph]["reason"].startswith(f"int8 {graph} not shipped")


def test_a_family_without_int8_is_refused_by_name_and_left_out_by_default():
    """StackedSemiSupervisedVAE aborts TFLite's int8 converter: asking for int8 is a one-line error."""
    from keras_vae import export, models
    from keras_vae.export import tflite

    model = models.StackedSemiSupervisedVAE(num_classes=10, m1_hidden_units=(8,), m1_latent_dim=4, latent_dim=2,
                                            hidden_units=(8,), classifier_units=(8,))
    assert "converter aborts" in tflite.int8_not_offered(model)
    with pytest.raises(ValueError, match="int8 TFLite is not offered for StackedSemiSupervisedVAE"):
        export.export(model, "never-written", "tflite", tflite_variants=["int8"])
    assert tflite.int8_not_offered(models.ConvVAE(latent_dim=2, filters=(4, 8), hidden_units=8)) is None
