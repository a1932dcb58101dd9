"""Semi-supervised learning with M2 and M1+M2 (Kingma et al. 2014): classify MNIST from 100 labels.

By default evaluates the shipped ``m2_mnist`` (trained with 10 labels per class, the rest
of the training set unlabelled): test classification error of its classifier q(y|x),
next to the paper's figure, and the marginal test ELBO. ``--recipe m1m2_mnist`` does the
same for M1+M2 (M2 on the latent codes of an M1 VAE, one ``StackedSemiSupervisedVAE``).
With ``--train`` it trains a fresh model by the recipe first (``--epochs``/``--limit`` for a
quick run).

    python examples/semi_supervised_m2.py --data-dir ../shared/data/mnist
    python examples/semi_supervised_m2.py --recipe m1m2_mnist --data-dir ../shared/data/mnist
    python examples/semi_supervised_m2.py --train --epochs 1 --limit 3000 --out /tmp/m2 --data-dir ../shared/data/mnist
"""

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
# Table 1 of Kingma et al. (2014), test error in percent with 100 labels: M2 11.97 (± 1.71), M1+M2 3.33 (± 0.14).
PAPER_ERROR_100_LABELS = {"m2_mnist": 11.97, "m1m2_mnist": 3.33}
TITLES = {"m2_mnist": "M2", "m1m2_mnist": "M1+M2"}


def m1_code_baseline(model, x, y, args):
    """Test error (%) of a logistic regression on the means of q(z1|x) of the recipe's labelled images only."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from keras_vae import data, zoo

    recipe = zoo.get(args.recipe)
    images, labels = data.load_arrays("mnist", "train", args.data_dir)
    keep = data.labelled_subset(labels, recipe.labels_per_class, recipe.seed)  # the training run's 100 labels
    train_codes = model.m1.encode(data.binarize_fixed(images[keep], seed=0))[0]
    probe = LogisticRegression(max_iter=5000).fit(train_codes, labels[keep])
    return 100 * float(np.mean(probe.predict(model.m1.encode(x)[0]) != y))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("KERAS_VAE_DATA_DIR", REPO.parent / "shared/data/mnist"))
    parser.add_argument("--recipe", choices=sorted(PAPER_ERROR_100_LABELS), default="m2_mnist")
    parser.add_argument("--train", action="store_true", help="train a fresh model instead of loading the shipped one")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--limit", type=int, default=None, help="training images (quick runs)")
    parser.add_argument("--out", default="runs/m2_mnist_example")
    parser.add_argument("--draws", type=int, default=100, help="m1m2_mnist: z1 draws of the Monte Carlo q(y|x)")
    parser.add_argument("--baseline", action="store_true",
                        help="m1m2_mnist: also fit a logistic regression (scikit-learn) on the M1 codes of the "
                             "100 labelled images alone, to see what M2's unlabelled bound adds")
    parser.add_argument("--test-examples", type=int, default=None, help="score a random subset of the test set")
    args = parser.parse_args(argv)

    import numpy as np

    from keras_vae import zoo
    from keras_vae.evaluation import binarized_test_set, subset_indices

    if args.train:
        model = zoo.train(args.recipe, args.out, epochs=args.epochs, data_dir=args.data_dir, limit=args.limit,
                          evaluate=False, verbose=2)
    else:
        model = zoo.load(args.recipe)
    x, y = binarized_test_set("mnist", args.data_dir)
    if args.test_examples:
        keep = subset_indices(len(x), args.test_examples)
        x, y = x[keep], y[keep]
    error = 100 * float(np.mean(model.predict_labels(x) != y))
    elbo = float(np.mean(model.elbo(x)))
    title, paper = TITLES[args.recipe], PAPER_ERROR_100_LABELS[args.recipe]
    print(f"{title} with 100 labels: test error {error:.2f}% on {len(x)} test images (paper: {paper}%)")
    print(f"marginal test ELBO (labels summed out under q(y|x)): {elbo:.2f} nats")
    print(f"{title.replace('+', '')}_TEST_ERROR {error:.2f}")
    if args.recipe == "m1m2_mnist":
        # q(y|x) = E_q(z1|x)[q(y|z1)] by Monte Carlo, beside the classifier at the mean of q(z1|x) above.
        mc = 100 * float(np.mean(np.argmax(model.classify(x, draws=args.draws, seed=0), axis=1) != y))
        print(f"M1+M2 test error with q(y|z1) averaged over {args.draws} draws of z1: {mc:.2f}%")
        if args.baseline:
            print(f"supervised baseline on the same M1 codes: test error {m1_code_baseline(model, x, y, args):.2f}%")
    return error


if __name__ == "__main__":
    main()
