"""Importance samples per second of each IWAE path, and what the literature protocol would cost.

    python benchmarks/iwae_speed.py dense_mnist conv_mnist --images 64 --k 100

Paths, on the same binarised test images (the first ``--images``):
    model.log_likelihood   the base model's chunked eager sampler (what ``keras-vae evaluate`` runs)
    keras                  ``keras_vae.importance`` log-weight function, eager Keras
    tf                     the same function under ``tf.function``
    onnx                   the same function converted by tf2onnx, run in onnxruntime

For the fast engines the script also prints the largest difference (nats) of their
per-image log p(x) from the eager ``keras`` engine on the same noise, and the hours that
all 10,000 test images would take at k = 1000 and k = 5000 at the measured rate (M2's
marginal costs num_classes passes per sample). Not a test: rates depend on the machine
and its load; each figure is one timed run after a warm-up call.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+")
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--engines", default="log_likelihood,keras,tf,onnx")
    args = parser.parse_args(argv)

    from keras_vae import evaluation, importance, zoo

    for name in args.names:
        model, recipe = zoo.load(name), zoo.get(name)
        x, y = evaluation.binarized_test_set(recipe.dataset, str(Path(args.data_dir) / recipe.dataset))
        n, k = args.images, args.k
        x, y = x[:n], y[:n]
        marginal = getattr(model, "labels_optional", False)
        per_image = model.num_classes if marginal else 1
        labels = y if model.conditional and not marginal else None
        reference = None
        for engine in args.engines.split(","):
            if engine == "log_likelihood":
                model.log_likelihood(x[:1], labels if labels is None else labels[:1], k=4)
                start = time.perf_counter()
                model.log_likelihood(x, labels, k=k, seed=0)
                seconds, diff = time.perf_counter() - start, float("nan")
            else:
                lw = importance.LogWeights(model, engine)
                importance.log_px(model, x[:1], None if labels is None else labels[:1], k=4, log_weights=lw)
                start = time.perf_counter()
                got = importance.log_px(model, x, labels, k=k, seed=0, log_weights=lw)
                seconds = time.perf_counter() - start
                reference = got if reference is None and engine == "keras" else reference
                diff = float("nan") if reference is None else float(np.abs(got - reference).max())
            rate = n * k * per_image / seconds
            hours = [10000 * kk * per_image / rate / 3600 for kk in (1000, 5000)]
            print(f"{name:16s} {engine:15s} {rate:9.0f} samples/s  max|diff| {diff:.1e} nats  "
                  f"10k images: k=1000 {hours[0]:6.2f} h, k=5000 {hours[1]:6.2f} h", flush=True)


if __name__ == "__main__":
    main()
