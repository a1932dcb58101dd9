"""Int8 TFLite exports of every shipped image model: error against Keras and what ships.

    python benchmarks/int8_exports.py --data-root ../shared/data
    python benchmarks/int8_exports.py conv_mnist cvae_mnist --data-root ../shared/data --verify-examples 200

Exports each model with ``keras_vae.export.export(formats="tflite",
tflite_variants=["float32", "int8"])``: real test images for verification, real
training images for calibration (``--data-root/<dataset>``). The export itself decides
what ships (``keras_vae.export.tflite.INT8_BOUNDS``: decoder max abs error <= 0.05,
scorer mean negative ELBO within 1 nat of Keras, measured on the verification batch);
this script prints the measured figures and the decision as a Markdown table.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def measure(name, data_root, verify_examples, calibration_examples):
    from keras_vae import export, zoo

    recipe = zoo.get(name)
    model = zoo.load(name)
    with tempfile.TemporaryDirectory(prefix="keras_vae_int8-") as scratch:
        start = time.perf_counter()
        manifest = export.export(
            model, Path(scratch) / name, "tflite", recipe=name, source=f"zoo:{name}", reference="dataset",
            data_dir=str(Path(data_root) / recipe.dataset), verify_examples=verify_examples,
            calibration_examples=calibration_examples, tflite_variants=["float32", "int8"],
        )
        seconds = time.perf_counter() - start
    records = {r["graph"]: r for r in manifest["verification"]["artifacts"] if r["variant"] == "int8"}
    refused = manifest["formats"]["tflite"].get("refused", {})
    left_out = manifest.get("graphs_left_out", {})  # an autoregressive decoder (PixelVAE) is not exported
    refused.update({g: why for g, why in left_out.items()})
    return {
        "decoder": records["decoder"]["max_abs"]["image_mean"] if "decoder" in records else None,
        "scorer": records["scorer"]["mean_score_change"],
        "encoder": max(records["encoder"]["max_abs"].values()),
        "ships": [g for g in ("encoder", "decoder", "scorer") if g not in refused],
        "seconds": seconds,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", help="zoo recipes (default: every shipped image model)")
    parser.add_argument("--data-root", required=True, help="folder holding mnist/ and fashion_mnist/")
    parser.add_argument("--verify-examples", type=int, default=32, help="verification batch (export's default 32)")
    parser.add_argument("--calibration-examples", type=int, default=256, help="int8 calibration images (default 256)")
    args = parser.parse_args(argv)
    from keras_vae import zoo
    from keras_vae.export import tflite

    names = args.models or zoo.int8_recipes()

    for name in names:
        try:
            zoo.get(name)
        except ValueError as e:
            parser.error(str(e))
    bounds = {g: b for g, (_, _, b) in tflite.INT8_BOUNDS.items()}
    print(f"# int8 TFLite vs Keras, first {args.verify_examples} binarised test images (verification batch), "
          f"calibration on the first {args.calibration_examples} training images")
    print(f"# bounds: decoder max abs <= {bounds['decoder']}, |scorer mean negative ELBO change| <= {bounds['scorer']} nat")
    print()
    print("| model | decoder max abs | scorer mean -ELBO change (nats) | encoder max abs | int8 graphs shipped |")
    print("| --- | ---: | ---: | ---: | --- |")
    from keras_vae.export import ParityError

    for name in names:
        try:
            m = measure(name, args.data_root, args.verify_examples, args.calibration_examples)
        except ParityError as e:  # the export refuses as a whole: report it, go on with the others
            print(f"| `{name}` | export failed: {' '.join(str(e).splitlines()[1:]).strip()} | | | none |", flush=True)
            continue
        ships = ", ".join(m["ships"]) or "none"
        decoder = "not exported (autoregressive)" if m["decoder"] is None else f"{m['decoder']:.3f}"
        print(f"| `{name}` | {decoder} | {m['scorer']:+.2f} | {m['encoder']:.3f} | {ships} |", flush=True)


if __name__ == "__main__":
    main()
