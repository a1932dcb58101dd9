"""SavedModel export of each family: signatures, names, dynamic batch, parity."""

import numpy as np
import pytest

from keras_vae.export.graphs import build_graphs


@pytest.fixture(scope="module")
def exported(family_model, quick_export, tmp_path_factory):
    family, model = family_model
    out = tmp_path_factory.mktemp(f"sm_{family}") / "out"
    return model, out, quick_export(model, out, "saved_model")


def test_writes_only_the_saved_model_and_manifest(exported):
    _, out, manifest = exported
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "saved_model"]
    assert set(manifest["formats"]) == {"saved_model"}
    assert manifest["formats"]["saved_model"]["serving_default"] == "score"
    for graph in manifest["graphs"].values():
        assert graph["files"] == {"saved_model": "saved_model"}


def test_signatures_have_stable_names_and_dynamic_batch(exported):
    import tensorflow as tf

    model, out, manifest = exported
    loaded = tf.saved_model.load(str(out / "saved_model"))
    assert {"encode", "decode", "score", "serving_default"} <= set(loaded.signatures)
    for name, graph in manifest["graphs"].items():
        fn = loaded.signatures[graph["signature"]]
        _, inputs = fn.structured_input_signature
        assert sorted(inputs) == sorted(i["name"] for i in graph["inputs"])
        for spec in graph["inputs"]:
            assert inputs[spec["name"]].shape.as_list() == spec["shape"]
            assert inputs[spec["name"]].shape.as_list()[0] is None
            assert inputs[spec["name"]].dtype.name == spec["dtype"]
        assert sorted(fn.structured_outputs) == sorted(o["name"] for o in graph["outputs"])


@pytest.mark.parametrize("batch", [1, 5])
def test_signatures_match_keras(exported, random_feeds, batch):
    import tensorflow as tf

    model, out, manifest = exported
    loaded = tf.saved_model.load(str(out / "saved_model"))
    graphs = build_graphs(model)
    for name, feed in random_feeds(model, batch).items():
        got = loaded.signatures[graphs[name].signature](**{k: tf.constant(v) for k, v in feed.items()})
        want = graphs[name].reference(feed)
        for key, value in want.items():
            np.testing.assert_allclose(got[key].numpy(), value, atol=1e-4, rtol=1e-6)


def test_manifest_parity_within_float32_tolerance(exported):
    _, _, manifest = exported
    records = manifest["verification"]["artifacts"]
    assert {r["graph"] for r in records} == {"encoder", "decoder", "scorer"}
    for r in records:
        assert r["format"] == "saved_model" and r["exact"] and r["passed"]
        for output, error in r["max_abs"].items():
            assert error <= r["tolerance"][output]
            if output != "score":
                assert error <= 1e-4
