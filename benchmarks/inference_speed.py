"""Decode latency of one model across runtimes, and the size of each artifact.

    python benchmarks/inference_speed.py                     # conv_mnist, every backend
    python benchmarks/inference_speed.py --no-browser        # without Chromium
    python benchmarks/inference_speed.py conv_mnist_2d --export-dir /tmp/c2d

Backends, all decoding the same z (seeded N(0, I)) at batch 1 and 64 to the likelihood's
mean image:
    Keras model(z)        the decoder sub-model with the likelihood's mean on top, called
                          eagerly (``keras.Model.__call__``)
    Keras model.predict   the same model's ``predict`` (builds a tf.data pipeline per call)
    SavedModel            ``tf.saved_model.load(...).signatures["decode"]``
    onnxruntime           ``keras_vae.runtime.ExportedVAE(...).decode`` (input checks included)
    LiteRT float32 / int8 ``ExportedVAE(..., backend="litert", variant=...)``
    browser wasm          onnxruntime-web in headless Chromium on the demo page (1 thread),
                          timed in the page with performance.now() around session.run

Each figure is the median of repeated calls after warm-up calls (at least ``--repeats``
calls, or more while under the time budget). The model is the zoo's shipped one when it
has weights (``zoo.load``), else an untrained one of the same architecture
(``zoo.create``); the output says which. Not a test: timings depend on the machine.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

BATCHES = (1, 64)


def measure(fn, repeats, warmup=3, budget_s=2.0, max_repeats=500):
    """Median seconds per call of ``fn()``: ``warmup`` calls, then at least ``repeats``
    timed calls, continuing up to ``max_repeats`` while under ``budget_s``."""
    for _ in range(warmup):
        fn()
    times, start = [], time.perf_counter()
    while len(times) < repeats or (len(times) < max_repeats and time.perf_counter() - start < budget_s):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), len(times)


def folder_size(path):
    path = Path(path)
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def load_model(name):
    from keras_vae import zoo

    if zoo.card(name) is not None:
        return zoo.load(name), "shipped weights (zoo.load)"
    return zoo.create(name), "untrained, same architecture (zoo.create: no shipped weights yet)"


def keras_backends(model):
    import keras

    # The decoder with the likelihood's mean on top: the same function every export holds.
    decode_model = keras.Model(model.decoder.inputs, model.likelihood.mean(model.decoder.outputs[0]))
    return {
        "Keras model(z)": lambda z: keras.ops.convert_to_numpy(decode_model([z], training=False)),
        "Keras model.predict": lambda z: decode_model.predict([z], verbose=0, batch_size=len(z)),
    }


def saved_model_backend(folder):
    import tensorflow as tf

    loaded = tf.saved_model.load(str(folder / "saved_model"))
    signature = loaded.signatures["decode"]
    return lambda z: signature(z=tf.constant(z))["image_mean"].numpy()


def runtime_backends(folder):
    from keras_vae.runtime import ExportedVAE

    onnx = ExportedVAE(folder)
    litert32 = ExportedVAE(folder, backend="litert", variant="float32")
    out = {"onnxruntime": onnx.decode, "LiteRT float32": litert32.decode}
    # The int8 decoder ships only within its error bound (keras_vae.export.tflite.INT8_BOUNDS).
    refused = onnx.manifest.refused("decoder", "tflite", "int8")
    if refused:
        print(f"# LiteRT int8 row left out: {refused}", file=sys.stderr)
    else:
        out["LiteRT int8"] = ExportedVAE(folder, backend="litert", variant="int8").decode
    return out


def browser_timings(name, folder, repeats):
    """{batch: median seconds} of onnxruntime-web in headless Chromium, or a reason string."""
    from keras_vae import demo

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "playwright not installed"
    if not Path(demo.CHROMIUM).exists():
        return f"{demo.CHROMIUM} not found"
    try:
        demo.check_web_dir()
    except FileNotFoundError as e:
        return str(e)
    out = {}
    with tempfile.TemporaryDirectory() as profile, demo.DemoServer({name: folder}) as server, sync_playwright() as p:
        context = demo.launch_chromium(p, profile)
        try:
            page = context.new_page()
            page.set_default_timeout(120_000)
            page.goto(server.url)
            page.evaluate("window.demo.ready")
            for batch in BATCHES:
                r = page.evaluate(f"window.demo.timeDecode({name!r}, {batch}, {repeats})")
                out[batch] = (r["median_ms"] / 1000, r["repeats"])
            out["note"] = f"{r['threads']} wasm thread(s), crossOriginIsolated={r['crossOriginIsolated']}"
        finally:
            context.close()
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", nargs="?", default="conv_mnist", help="zoo recipe (default conv_mnist)")
    parser.add_argument("--repeats", type=int, default=30, help="minimum timed calls per figure")
    parser.add_argument("--export-dir", help="reuse (or create) this export folder instead of a temporary one")
    parser.add_argument("--data-dir", help="dataset folder for the export's verification and int8 calibration")
    parser.add_argument("--no-browser", action="store_true", help="skip the headless-Chromium figure")
    args = parser.parse_args(argv)

    import keras
    import onnxruntime
    import tensorflow as tf

    from keras_vae import export

    model, provenance = load_model(args.model)
    tmp = None
    folder = Path(args.export_dir) if args.export_dir else None
    if folder is None:
        tmp = tempfile.TemporaryDirectory(prefix="keras_vae_bench-")
        folder = Path(tmp.name) / args.model
    # Always export afresh: a folder left by an earlier run may hold other weights, and the
    # timings below must be of the model that the parity column compares against.
    print(f"exporting {args.model} to {folder} (all formats) ...", file=sys.stderr, flush=True)
    export.export(model, folder, "all", overwrite=True, recipe=args.model, data_dir=args.data_dir)

    rng = np.random.default_rng(0)
    inputs = {b: rng.standard_normal((b, model.latent_dim)).astype("float32") for b in BATCHES}
    backends = {**keras_backends(model), "SavedModel": saved_model_backend(folder), **runtime_backends(folder)}
    reference = {b: backends["Keras model(z)"](z) for b, z in inputs.items()}

    print(f"# decode latency: {args.model} ({provenance}), latent_dim {model.latent_dim}, "
          f"{model.count_params():,} parameters")
    print(f"# {os.cpu_count()} CPU cores, Python {sys.version.split()[0]}, tensorflow {tf.__version__}, "
          f"keras {keras.__version__}, onnxruntime {onnxruntime.__version__}; runtimes at their default threads")
    print(f"# median of >= {args.repeats} calls after 3 warm-up calls; max |diff| is against Keras model(z) at batch 64")
    print()
    print("| backend | batch 1 (ms) | batch 64 (ms) | batch 1 vs model.predict | max abs diff |")
    print("| --- | ---: | ---: | ---: | ---: |")
    rows = {}
    for label, fn in backends.items():
        rows[label] = {b: measure(lambda z=z: fn(z), args.repeats)[0] for b, z in inputs.items()}
        diff = float(np.abs(np.asarray(fn(inputs[64])).reshape(reference[64].shape) - reference[64]).max())
        rows[label]["diff"] = diff
    browser = None if args.no_browser else browser_timings(args.model, folder, args.repeats)
    if isinstance(browser, dict):
        rows[f"browser wasm ({browser['note']})"] = {b: browser[b][0] for b in BATCHES} | {"diff": None}
    predict_1 = rows["Keras model.predict"][1]
    for label, r in rows.items():
        diff = "" if r["diff"] is None else f"{r['diff']:.1e}"
        print(f"| {label} | {r[1] * 1e3:.3f} | {r[64] * 1e3:.3f} | {predict_1 / r[1]:.0f}x | {diff} |")
    if isinstance(browser, str):
        print(f"\nbrowser wasm: skipped ({browser})")
    elif browser is not None:
        print("\nbrowser wasm max abs diff: checked by tests/web (<= 1e-4 against onnxruntime in Python)")

    print()
    print(f"# artifact sizes ({folder})")
    print()
    print("| artifact | bytes | KiB |")
    print("| --- | ---: | ---: |")
    manifest = export.manifest.read(folder)
    with tempfile.TemporaryDirectory() as scratch:
        weights = Path(scratch) / "model.weights.h5"
        model.save_weights(weights)
        sizes = [("Keras weights (.weights.h5, whole model)", folder_size(weights))]
    sizes.append(("SavedModel folder (encoder + decoder + scorer)", folder_size(folder / "saved_model")))
    for graph in ("decoder", "encoder", "scorer"):
        files = manifest["graphs"][graph]["files"]
        sizes.append((f"{files['onnx']}", folder_size(folder / files["onnx"])))
        for variant, file in files.get("tflite", {}).items():
            sizes.append((file, folder_size(folder / file)))
    for label, size in sizes:
        print(f"| {label} | {size:,} | {size / 1024:.0f} |")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
