"""Is a VAE less certain off its training distribution? Uncertainty scores vs OOD images, as AUROC.

Scores binarised MNIST test digits and three out-of-distribution sets (inverted digits,
binary noise with MNIST's ink density, rendered capital letters; see
``keras_vae.tasks.ood``) with the two scores of ``keras_vae.tasks.uncertainty``:
``posterior_spread`` (mean posterior std of q(z|x)) and ``decoded_variance`` (pixel
variance of the decoded mean over posterior draws). AUROC takes OOD as the positive
class: above 0.5 means the score is higher on that OOD set than on digits.

Runs offline from a clean clone (the model's weights ship in the package, the letters
come from Pillow's built-in font). Needs scikit-learn (``pip install keras-vae[apps]``).

    python examples/uncertainty_ood.py --data-dir ../shared/data/mnist
    python examples/uncertainty_ood.py --examples 200 --samples 8   # a quick check

The last lines are one figure each, for grep: ``AUROC <score> <set> <value>`` and
``MEAN <score> <set> <value>``.
"""

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
SCORES = ("posterior_spread", "decoded_variance")


def parse_args(argv=None):
    default_dir = os.environ.get("KERAS_VAE_DATA_DIR") or str(REPO.parent / "shared" / "data" / "mnist")
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-dir", default=default_dir,
                   help="folder of the MNIST original files (default: $KERAS_VAE_DATA_DIR or ../shared/data/mnist)")
    p.add_argument("--model", default="conv_mnist",
                   help="a zoo recipe with shipped weights (default: conv_mnist)")
    p.add_argument("--examples", type=int, default=2000,
                   help="test digits scored, and images in each OOD set (default: 2000)")
    p.add_argument("--samples", type=int, default=32,
                   help="posterior draws per image for decoded_variance (default: 32)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the digit subset, the OOD sets and the draws (default: 0)")
    args = p.parse_args(argv)
    if args.examples < 1:
        p.error(f"--examples must be at least 1, got {args.examples}")
    if args.samples < 2:
        p.error(f"--samples must be at least 2, got {args.samples}")
    return args


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()

    import keras_vae
    from keras_vae.evaluation import binarized_test_set, subset_indices
    from keras_vae.tasks import ood
    from keras_vae.tasks.uncertainty import uncertainty

    model = keras_vae.zoo.load(args.model)
    if model.conditional:
        raise SystemExit(f"{args.model} is conditional; OOD images have no label: use an unconditional model")
    images, _ = binarized_test_set("mnist", args.data_dir)
    # A fixed random subset: MNIST's test split is ordered, a leading slice would be biased.
    digits = images[subset_indices(len(images), args.examples, seed=args.seed)]
    sets = {"digits": digits, **ood.ood_sets(digits, len(digits), seed=args.seed)}

    scores = {name: uncertainty(model, x, samples=args.samples, seed=args.seed) for name, x in sets.items()}
    ood_names = [name for name in sets if name != "digits"]
    aurocs = {(s, name): ood.auroc(scores["digits"][s], scores[name][s]) for s in SCORES for name in ood_names}
    means = {(s, name): float(scores[name][s].mean()) for s in SCORES for name in sets}

    print(f"model {args.model}, {len(digits)} images per set, {args.samples} posterior draws, seed {args.seed}")
    print("AUROC: OOD is the positive class; > 0.5 means the score is higher on that set than on digits")
    print()
    header = f"{'set':<10} {'mean spread':>12} {'mean dec. var':>14} {'AUROC spread':>13} {'AUROC dec. var':>15}"
    print(header)
    print("-" * len(header))
    for name in sets:
        a = ["-", "-"] if name == "digits" else [f"{aurocs[(s, name)]:.4f}" for s in SCORES]
        print(f"{name:<10} {means[(SCORES[0], name)]:>12.4f} {means[(SCORES[1], name)]:>14.6f} {a[0]:>13} {a[1]:>15}")
    print()
    for (s, name), value in aurocs.items():
        print(f"AUROC {s} {name} {value:.4f}")
    for (s, name), value in means.items():
        print(f"MEAN {s} {name} {value:.6g}")
    print(f"TIME {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
