"""Representation learning: a linear probe on frozen conv_mnist features, and a 2-D picture.

Encodes the binarised MNIST train and test sets with the shipped model's encoder (its
posterior means), fits logistic regression on the train features and reports test
accuracy, next to the same probe on raw pixels. Then draws the test set's features in
2-D (t-SNE by default), coloured by digit.

    python examples/linear_probe.py --data-dir ../shared/data/mnist --plot docs/latent_tsne.png

A quick check:

    python examples/linear_probe.py --train-examples 2000 --test-examples 500 --plot-examples 300 --data-dir ../shared/data/mnist
"""

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("KERAS_VAE_DATA_DIR", REPO.parent / "shared/data/mnist"))
    parser.add_argument("--model", default="conv_mnist", help="zoo recipe whose shipped encoder gives the features")
    parser.add_argument("--train-examples", type=int, default=None, help="probe training images (default: all 60,000)")
    parser.add_argument("--test-examples", type=int, default=None, help="test images (default: all 10,000)")
    parser.add_argument("--no-pixel-baseline", action="store_true", help="skip the probe on raw pixels")
    parser.add_argument("--projection", choices=["tsne", "pca"], default="tsne")
    parser.add_argument("--plot-examples", type=int, default=5000, help="test images drawn in the 2-D plot")
    parser.add_argument("--plot", default="latent_projection.png", help="PNG path of the 2-D plot")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)


    from keras_vae import data, zoo
    from keras_vae.evaluation import binarized_test_set, subset_indices
    from keras_vae.tasks.representation import features, linear_probe, plot_projection, project_2d

    model = zoo.load(args.model)
    # Train images binarised once with seed 1 (the test set uses the evaluation's seed 0).
    x_train, y_train = data.load_images("mnist", "train", args.data_dir, binarize="fixed", seed=1)
    x_test, y_test = binarized_test_set("mnist", args.data_dir)
    if args.train_examples:
        keep = subset_indices(len(x_train), args.train_examples, seed=args.seed)
        x_train, y_train = x_train[keep], y_train[keep]
    if args.test_examples:
        keep = subset_indices(len(x_test), args.test_examples, seed=args.seed)
        x_test, y_test = x_test[keep], y_test[keep]

    start = time.perf_counter()
    f_train, f_test = features(model, x_train), features(model, x_test)
    result = linear_probe(f_train, y_train, f_test, y_test)
    print(f"{args.model} features ({f_train.shape[1]}-d z_mean): train accuracy {result['train_accuracy']:.4f}, "
          f"test accuracy {result['test_accuracy']:.4f} ({len(x_train)} train / {len(x_test)} test images, "
          f"{time.perf_counter() - start:.0f} s)")
    print(f"PROBE_ACCURACY {args.model} {result['test_accuracy']:.4f}")
    if not args.no_pixel_baseline:
        start = time.perf_counter()
        flat = lambda x: x.reshape(len(x), -1)  # noqa: E731
        pixels = linear_probe(flat(x_train), y_train, flat(x_test), y_test)
        print(f"raw pixels (784-d): test accuracy {pixels['test_accuracy']:.4f} ({time.perf_counter() - start:.0f} s)")
        print(f"PROBE_ACCURACY pixels {pixels['test_accuracy']:.4f}")

    keep = subset_indices(len(x_test), min(args.plot_examples, len(x_test)), seed=args.seed)
    start = time.perf_counter()
    points = project_2d(f_test[keep], args.projection, seed=args.seed)
    title = f"{args.model}: {args.projection} of z_mean, {len(keep)} MNIST test images"
    path = plot_projection(points, y_test[keep], args.plot, title=title)
    print(f"wrote {path} ({args.projection}, {len(keep)} points, {time.perf_counter() - start:.0f} s)")
    return result["test_accuracy"]


if __name__ == "__main__":
    main()
