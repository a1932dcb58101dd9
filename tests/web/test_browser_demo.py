"""End to end: the demo page in headless Chromium (onnxruntime-web, wasm) against onnxruntime in Python.

Exports ``conv_mnist_2d``, ``cvae_mnist`` and ``cvae_fashion_mnist`` (shipped weights when the zoo has them, else
untrained models of the same architecture) to ONNX, serves them with the page through
``keras_vae.demo.DemoServer`` (what ``keras-vae demo`` runs), drives the page's own
controls, and compares what it decoded with ``keras_vae.runtime`` on the same inputs.

Needs Debian's ``chromium``, the ``playwright`` Python package and ``npm ci`` in
keras_vae/web (``.ci/browser-setup.sh`` installs all three); skipped with the reason
otherwise. The screenshot goes to ``$KERAS_VAE_DEMO_SCREENSHOT`` (default: the test's
tmp folder). The README's picture is made with:

    KERAS_VAE_DEMO_SCREENSHOT=docs/demo.png python -m pytest tests/web -q
"""

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from keras_vae import demo

TOLERANCE = 1e-4
CHROMIUM = Path(os.environ.get("KERAS_VAE_CHROMIUM", demo.CHROMIUM))
ORT_WEB = demo.default_web_dir() / demo.ORT_WEB_DIST / "ort.wasm.min.mjs"

_missing = [
    reason
    for reason, absent in [
        (f"{CHROMIUM} not found (apt-get install -y chromium)", not CHROMIUM.exists()),
        ("playwright not installed (pip install playwright)", importlib.util.find_spec("playwright") is None),
        (f"{ORT_WEB} not found (npm ci in keras_vae/web)", not ORT_WEB.exists()),
    ]
    if absent
]
pytestmark = pytest.mark.skipif(bool(_missing), reason="; ".join(_missing) + " - see .ci/browser-setup.sh")

MODELS = ("conv_mnist_2d", "cvae_mnist", "cvae_fashion_mnist")


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """{recipe: ONNX export folder}, trained weights when shipped."""
    from keras_vae import zoo
    from keras_vae.export import export

    out = {}
    for name in MODELS:
        shipped = zoo.card(name) is not None
        model = zoo.load(name) if shipped else zoo.create(name)
        folder = tmp_path_factory.mktemp("web") / name
        source = f"zoo:{name}" if shipped else f"zoo:{name} (untrained)"
        export(model, folder, "onnx", recipe=name, source=source, reference="samples", verify_examples=8)
        out[name] = folder
    return out


@pytest.fixture(scope="module")
def runtimes(exports):
    from keras_vae.runtime import ExportedVAE

    return {name: ExportedVAE(folder) for name, folder in exports.items()}


@pytest.fixture(scope="module")
def page(exports, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    errors = []
    with demo.DemoServer(exports) as server, sync_playwright() as p:
        context = demo.launch_chromium(p, tmp_path_factory.mktemp("chromium-profile"), executable=CHROMIUM)
        try:
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.goto(server.url)
            page.evaluate("window.demo.ready")
            page.errors = errors
            yield page
        finally:
            context.close()


def _snapshot(page, name):
    """``window[name]`` in one evaluate (typed arrays as float32 numpy), so that its fields
    all come from the same run even if the page is still working."""
    value = page.evaluate(
        f"""() => Object.fromEntries(Object.entries(window.{name}).map(
               ([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v) : v]))"""
    )
    return {k: np.array(v, np.float32) if isinstance(v, list) else v for k, v in value.items()}


def test_page_loads_both_models(page):
    assert page.get_attribute("#status", "data-state") == "ready", page.inner_text("#status")
    assert page.evaluate("Object.keys(window.demo.models)") == list(MODELS)
    assert page.locator('section[data-model="conv_mnist_2d"] input[name="z1"]').count() == 1
    assert page.locator('section[data-model="cvae_mnist"] button.class').count() == 10
    garments = page.locator('section[data-model="cvae_fashion_mnist"] button.class').all_inner_texts()
    assert garments[0] == "t-shirt/top" and garments[9] == "ankle boot" and len(garments) == 10


def test_sliders_decode_like_onnxruntime_in_python(page, runtimes):
    section = page.locator('section[data-model="conv_mnist_2d"]')
    section.locator('input[name="z1"]').fill("1.25")
    section.locator('input[name="z2"]').fill("-0.5")
    page.wait_for_function(
        "() => { const d = window.lastDecoded; return d && d.model === 'conv_mnist_2d' && d.z[0] === 1.25 && d.z[1] === -0.5; }"
    )
    got = _snapshot(page, "lastDecoded")["pixels"].reshape(1, 28, 28, 1)
    expected = runtimes["conv_mnist_2d"].decode(np.array([[1.25, -0.5]], np.float32))
    np.testing.assert_allclose(got, expected, atol=TOLERANCE, rtol=0)

    # What is on screen is that digit: the canvas holds round(255 * p).
    shown = np.array(page.evaluate(
        "Array.from(document.querySelector('section[data-model=\"conv_mnist_2d\"] canvas.decoded')"
        ".getContext('2d').getImageData(0, 0, 28, 28).data)"
    )).reshape(28, 28, 4)[..., 0]
    assert np.abs(shown - np.round(255 * expected[0, ..., 0])).max() <= 1


@pytest.mark.parametrize("name", ["cvae_mnist", "cvae_fashion_mnist"])
def test_class_picker_generates_like_onnxruntime_in_python(page, runtimes, name):
    section = page.locator(f'section[data-model="{name}"]')
    section.locator('button.class[data-label="7"]').click()
    last = f"window.lastGenerated && window.lastGenerated.model === '{name}' && window.lastGenerated.label === 7"
    page.wait_for_function(f"() => {last}")
    section.locator("button.generate").click()
    page.wait_for_function(f"() => {last} && window.lastGenerated.seed === 1")
    generated = _snapshot(page, "lastGenerated")
    z = generated["z"].reshape(8, 32)
    assert np.all(np.isfinite(z)) and 0.4 < z.std() < 1.6  # the seeded N(0, I) draws
    got = generated["pixels"].reshape(8, 28, 28, 1)
    expected = runtimes[name].decode(z, labels=np.full(8, 7))
    np.testing.assert_allclose(got, expected, atol=TOLERANCE, rtol=0)


def _draw_seven(page):
    board = page.locator('section[data-model="conv_mnist_2d"] canvas.board')
    board.scroll_into_view_if_needed()  # earlier tests may have scrolled to a lower section
    box = board.bounding_box()
    points = [(0.25, 0.2), (0.75, 0.2), (0.6, 0.5), (0.45, 0.85)]
    page.mouse.move(box["x"] + points[0][0] * box["width"], box["y"] + points[0][1] * box["height"])
    page.mouse.down()
    for fx, fy in points[1:]:
        page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"], steps=8)
    page.mouse.up()


def test_drawing_is_reconstructed_and_scored_like_onnxruntime_in_python(page, runtimes):
    _draw_seven(page)
    page.wait_for_function("() => window.lastDrawn && window.lastDrawn.model === 'conv_mnist_2d'")
    drawn = _snapshot(page, "lastDrawn")
    image = drawn["image"].reshape(1, 28, 28, 1)
    assert 0 <= image.min() and image.max() <= 1 and image.sum() > 10  # an MNIST-like stroke
    vae = runtimes["conv_mnist_2d"]
    z_mean, _ = vae.encode(image)
    np.testing.assert_allclose(drawn["zMean"].reshape(1, 2), z_mean, atol=TOLERANCE, rtol=0)
    np.testing.assert_allclose(drawn["reconstruction"].reshape(image.shape), vae.reconstruct(image), atol=TOLERANCE,
                               rtol=0)
    # The score is a float32 sum of 784 per-pixel terms: a relative tolerance as well.
    score = drawn["score"]
    expected = float(vae.score(image)[0])
    assert abs(score - expected) <= max(TOLERANCE, 1e-5 * abs(expected))
    assert page.locator('section[data-model="conv_mnist_2d"] output.score').inner_text().endswith("nats")


def test_screenshot_and_no_errors(page, tmp_path):
    path = Path(os.environ.get("KERAS_VAE_DEMO_SCREENSHOT") or tmp_path / "demo.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    assert page.errors == [] and page.evaluate("window.demo.errors") == []
