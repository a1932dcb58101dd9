"""Semi-supervised learning with M2 (Kingma et al. 2014): classify MNIST from 100 labels.

By default evaluates the shipped ``m2_mnist`` (trained with 10 labels per class, the rest
of the training set unlabelled): test classification error of its classifier q(y|x),
next to the paper's M2 figure, and the marginal test ELBO. With ``--train`` it trains a
fresh model by the same recipe first (``--epochs``/``--limit`` for a quick run).

    python examples/semi_supervised_m2.py --data-dir ../shared/data/mnist
    python examples/semi_supervised_m2.py --train --epochs 1 --limit 3000 --out /tmp/m2 --data-dir ../shared/data/mnist
"""

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
PAPER_ERROR_100_LABELS = 11.97  # M2, Table 1 of Kingma et al. (2014), percent (± 1.71)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("KERAS_VAE_DATA_DIR", REPO.parent / "shared/data/mnist"))
    parser.add_argument("--train", action="store_true", help="train a fresh m2_mnist instead of loading the shipped one")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--limit", type=int, default=None, help="training images (quick runs)")
    parser.add_argument("--out", default="runs/m2_mnist_example")
    parser.add_argument("--test-examples", type=int, default=None, help="score a random subset of the test set")
    args = parser.parse_args(argv)

    import numpy as np

    from keras_vae import zoo
    from keras_vae.evaluation import binarized_test_set, subset_indices

    if args.train:
        model = zoo.train("m2_mnist", args.out, epochs=args.epochs, data_dir=args.data_dir, limit=args.limit,
                          evaluate=False, verbose=2)
    else:
        model = zoo.load("m2_mnist")
    x, y = binarized_test_set("mnist", args.data_dir)
    if args.test_examples:
        keep = subset_indices(len(x), args.test_examples)
        x, y = x[keep], y[keep]
    error = 100 * float(np.mean(model.predict_labels(x) != y))
    elbo = float(np.mean(model.elbo(x)))
    print(f"M2 with 100 labels: test error {error:.2f}% on {len(x)} test images (paper: {PAPER_ERROR_100_LABELS}%)")
    print(f"marginal test ELBO (labels summed out under q(y|x)): {elbo:.2f} nats")
    print(f"M2_TEST_ERROR {error:.2f}")
    return error


if __name__ == "__main__":
    main()
