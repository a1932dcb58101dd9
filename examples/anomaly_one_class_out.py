"""MNIST one-class-out anomaly detection: train on nine digits, flag the tenth.

For each held-out digit d a VAE (recipe ``dense_mnist`` without class d) is trained on
the first 55,000 training images minus the d's; the last 5,000 training images (again
without d) are the clean validation set that calibrates the threshold at a 5% false-
positive rate. On the binarised test set, the other nine digits are normal and d is the
anomaly. Prints AUROC and average precision per digit and score, and their means.

    python examples/anomaly_one_class_out.py --data-dir ../shared/data/mnist

Figures from the default settings are in the README. A quick check:

    python examples/anomaly_one_class_out.py --digits 0 1 --epochs 1 --limit 3000 --data-dir ../shared/data/mnist
"""

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
VALIDATION = 5000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("KERAS_VAE_DATA_DIR", REPO.parent / "shared/data/mnist"))
    parser.add_argument("--base", default="dense_mnist", help="recipe to train without the held-out digit")
    parser.add_argument("--digits", type=int, nargs="+", default=list(range(10)))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1000, help="KL warm-up steps (shorter than the base recipe's)")
    parser.add_argument("--latent-dim", type=int, default=None, help="override the base recipe's latent size")
    parser.add_argument("--methods", nargs="+", default=["elbo", "iwae", "reconstruction"])
    parser.add_argument("--k", type=int, default=100, help="importance samples of the iwae score")
    parser.add_argument("--fpr", type=float, default=0.05, help="false-positive rate the threshold is set at")
    parser.add_argument("--limit", type=int, default=None, help="training images (default: all but the validation)")
    parser.add_argument("--test-examples", type=int, default=None, help="score a random subset of the test set")
    parser.add_argument("--out", default="runs/one_class_out")
    args = parser.parse_args(argv)

    import numpy as np

    from keras_vae import data
    from keras_vae.evaluation import binarized_test_set, subset_indices
    from keras_vae.tasks.anomaly import AnomalyDetector, one_class_out_recipe
    from keras_vae.training import train

    train_images, train_labels = data.load_images("mnist", "train", args.data_dir, binarize="fixed", seed=1)
    limit = args.limit or len(train_images) - VALIDATION
    val_images, val_labels = train_images[-VALIDATION:], train_labels[-VALIDATION:]
    test_images, test_labels = binarized_test_set("mnist", args.data_dir)
    if args.test_examples:
        keep = subset_indices(len(test_images), args.test_examples)
        test_images, test_labels = test_images[keep], test_labels[keep]

    results = {}
    for digit in args.digits:
        overrides = {"kl_warmup_steps": args.warmup}
        if args.latent_dim:
            overrides["latent_dim"] = args.latent_dim
        recipe = one_class_out_recipe(args.base, digit, epochs=args.epochs, **overrides)
        model = train(recipe, Path(args.out) / recipe.name, data_dir=args.data_dir, limit=limit, evaluate=False,
                      verbose=0, command="python examples/anomaly_one_class_out.py")
        clean = val_images[val_labels != digit]
        normal, anomalous = test_images[test_labels != digit], test_images[test_labels == digit]
        results[digit] = {}
        for method in args.methods:
            detector = AnomalyDetector(model, method=method, k=args.k).calibrate(clean, args.fpr)
            figures = detector.evaluate(normal, anomalous)
            results[digit][method] = figures
            print(f"digit {digit} {method:15s} AUROC {figures['auroc']:.3f}  AP {figures['average_precision']:.3f}  "
                  f"test FPR {figures['false_positive_rate']:.3f}  TPR {figures['true_positive_rate']:.3f}", flush=True)

    print()
    print("| held-out digit | " + " | ".join(f"AUROC {m}" for m in args.methods) + " |")
    print("|---" * (len(args.methods) + 1) + "|")
    for digit in args.digits:
        print(f"| {digit} | " + " | ".join(f"{results[digit][m]['auroc']:.3f}" for m in args.methods) + " |")
    means = {m: float(np.mean([results[d][m]["auroc"] for d in args.digits])) for m in args.methods}
    print("| mean | " + " | ".join(f"{means[m]:.3f}" for m in args.methods) + " |")
    for m in args.methods:
        ap = float(np.mean([results[d][m]["average_precision"] for d in args.digits]))
        print(f"MEAN_AUROC {m} {means[m]:.4f}")
        print(f"MEAN_AP {m} {ap:.4f}")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "results.json").write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
