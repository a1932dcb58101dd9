"""zoo/publish.py refuses bad input in one line, before it touches a shipped file."""

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def publish():
    spec = importlib.util.spec_from_file_location("zoo_publish", REPO / "zoo" / "publish.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shipped_state(publish):
    return {p.name: p.read_bytes() for p in publish.WEIGHTS_DIR.glob("*.json")}


def _block(**overrides):
    block = {"name": "dense_mnist", "protocol": "literature", "nll": 88.0, "nll_k": 1000, "nll_examples": 10000,
             "weights_sha256": json.loads((REPO / "keras_vae/zoo/weights/dense_mnist.json").read_text())["weights_sha256"]}
    block.update(overrides)
    return {k: v for k, v in block.items() if v is not None}


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    ("not json", "is not a readable JSON file"),
    ("[1, 2]", "holds a JSON list, not an object"),
    (json.dumps(_block(name="no_such_recipe")), "names no shipped model"),
    (json.dumps(_block(weights_sha256="0" * 64)), "was measured on weights"),
    (json.dumps(_block(nll_k=None)), "missing nll_k"),
    (json.dumps(_block(protocol="full")), "is not a literature-protocol block"),
])
def test_a_bad_protocol_block_is_refused_in_one_line_and_nothing_changes(publish, tmp_path, content, message):
    path = tmp_path / "block.json"
    if content is not None:
        path.write_text(content)
    before = _shipped_state(publish)
    with pytest.raises(SystemExit) as e:
        publish.add_protocol(path)
    text = str(e.value)
    assert message in text and "\n" not in text
    assert _shipped_state(publish) == before


def test_a_run_folder_without_a_finished_run_is_refused(publish, tmp_path):
    (tmp_path / "card.json").write_text("{")
    (tmp_path / "model.weights.h5").write_bytes(b"")
    with pytest.raises(SystemExit, match="is not a readable JSON file"):
        publish.publish(tmp_path)
    with pytest.raises(SystemExit, match="is not a finished run"):
        publish.publish(tmp_path / "missing")
