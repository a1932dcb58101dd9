"""Integration: export the shipped conv_mnist and cvae_mnist and check parity in every runtime."""

import numpy as np
import pytest

from keras_vae import likelihoods, zoo
from keras_vae.export import cli, export, tflite


def _shipped(name):
    # Decided at collection, so a skipped case does not first prepare the MNIST fixtures.
    missing = zoo.card(name) is None
    reason = f"{name} ships no trained weights yet (no keras_vae/zoo/weights/{name}.json)"
    return pytest.param(name, marks=pytest.mark.skipif(missing, reason=reason))


@pytest.fixture(params=[_shipped("conv_mnist"), _shipped("cvae_mnist")])
def shipped(request):
    model, recipe, source = cli.load_source(request.param)
    return request.param, model, recipe, source


def _float32_runs(out, manifest, graph):
    """{runtime: run(feed)} of every float32 artifact of one graph, loaded independently."""
    import onnxruntime as ort
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    spec = manifest["graphs"][graph]
    session = ort.InferenceSession(str(out / spec["files"]["onnx"]), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    signature = tf.saved_model.load(str(out / "saved_model")).signatures[spec["signature"]]
    lite = Interpreter(model_path=str(out / spec["files"]["tflite"]["float32"])).get_signature_runner(spec["signature"])
    return {
        "onnxruntime": lambda feed: dict(zip(names, session.run(names, feed))),
        "tensorflow": lambda feed: {k: v.numpy() for k, v in signature(**feed).items()},
        "litert": lambda feed: lite(**feed),
    }


@pytest.mark.slow  # 40-50 s per model; tests/test_harness.py checks ONNX parity of every recipe's family
def test_export_and_parity_in_every_runtime(shipped, mnist_dir, mnist_test, tmp_path):
    name, model, recipe, source = shipped
    out = tmp_path / name
    manifest = export(model, out, "all", recipe=recipe, source=source, reference="dataset", data_dir=mnist_dir)

    assert manifest["model"]["recipe"] == name and manifest["reference_data"]["source"] == "dataset"
    assert manifest["conditional"] == (name == "cvae_mnist")
    if model.conditional:
        assert manifest["label_names"] == [str(i) for i in range(10)]
        assert [i["name"] for i in manifest["graphs"]["scorer"]["inputs"]] == ["image", "label", "noise"]
    for r in manifest["verification"]["artifacts"]:
        assert r["passed"], r
        if r["exact"]:
            for output, error in r["max_abs"].items():
                assert error <= (r["tolerance"][output] if output == "score" else 1e-4), (r, output)
    summary = manifest["tflite_summary"]
    assert list(summary) == list(tflite.VARIANTS)
    assert summary["float32"]["decoder_max_abs"] <= 1e-4
    for variant in ("dynamic_int8", "int8"):
        assert 3.5 < summary[variant]["compression_vs_float32"] < 4.5  # int8 weights: about 4x
        assert np.isfinite(summary[variant]["mean_neg_elbo_change"])

    # Independently of export's own verification: the public Keras API against each runtime.
    x, y = mnist_test
    x, y = x[:16], (y[:16] if model.conditional else None)
    label = {"label": y} if model.conditional else {}
    z_mean, z_log_var = model.encode(x, y)
    image_mean = model.decode(z_mean, y)
    params = model.decode_params(z_mean, y)
    score = -model.likelihood.log_prob(x, params) + likelihoods.gaussian_kl(z_mean, z_log_var)
    expected = {
        "encoder": ({"image": x, **label}, {"z_mean": z_mean, "z_log_var": z_log_var}),
        "decoder": ({"z": z_mean, **label}, {"image_mean": image_mean}),
        "scorer": (
            {"image": x, **label, "noise": np.zeros_like(z_mean)},
            {"score": np.asarray(score), "reconstruction": image_mean},
        ),
    }
    for graph, (feed, want) in expected.items():
        for runtime, run in _float32_runs(out, manifest, graph).items():
            got = run(feed)
            for key, value in want.items():
                np.testing.assert_allclose(got[key], value, atol=2e-4, rtol=1e-6, err_msg=f"{runtime} {graph} {key}")
