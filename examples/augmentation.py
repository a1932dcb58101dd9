"""Does adding VAE-generated images help a classifier that has few labels? Measured.

For each dataset, each N (labelled images per class) and each seed: N labelled images per
class are drawn (``keras_vae.data.labelled_subset``), and a small CNN
(``keras_vae.tasks.augmentation.small_cnn``, a fixed number of Adam steps) is trained on

- ``none``: the N x 10 labelled images alone;
- ``posterior``: those plus ``--per-image`` variations of each, decoded from z ~ q(z|x) of
  the zoo's unconditional ``conv_<dataset>`` (trained on the training images without labels);
- ``cvae``: those plus as many samples of a small conditional VAE trained on the same
  N x 10 labelled images only (never on the rest of the labels).

Test accuracy on the full test split, mean and sample standard deviation over the seeds,
one ``AUG_ACCURACY <dataset> <N> <generator> <mean> <std>`` line per cell.

    python examples/augmentation.py --data-dir ../shared/data --datasets mnist,fashion_mnist

A quick check:

    python examples/augmentation.py --data-dir ../shared/data/mnist --datasets mnist --per-class 10 --seeds 0 \
        --steps 50 --cvae-steps 50 --test-examples 500
"""

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
GENERATORS = ("none", "posterior", "cvae")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("KERAS_VAE_DATA_DIR", REPO.parent / "shared/data"),
                        help="folder of the original files, or a parent holding <dataset>/")
    parser.add_argument("--datasets", default="mnist,fashion_mnist")
    parser.add_argument("--per-class", default="10,100", help="labelled images per class (comma-separated)")
    parser.add_argument("--seeds", default="0,1,2", help="seeds: the labelled draw, the generators, the classifier")
    parser.add_argument("--generators", default=",".join(GENERATORS))
    parser.add_argument("--per-image", type=int, default=5, help="generated images per labelled image")
    parser.add_argument("--steps", type=int, default=400, help="classifier Adam steps (batch 64), every run alike")
    parser.add_argument("--cvae-steps", type=int, default=1500, help="training steps of the conditional generator")
    parser.add_argument("--test-examples", type=int, default=None, help="test images (default: all 10,000)")
    args = parser.parse_args(argv)

    import numpy as np

    from keras_vae import data, zoo
    from keras_vae.evaluation import subset_indices
    from keras_vae.tasks import augmentation as aug

    generators = args.generators.split(",")
    unknown = set(generators) - set(GENERATORS)
    if unknown:
        parser.error(f"unknown generators {sorted(unknown)}; choose from {GENERATORS}")
    seeds = [int(s) for s in args.seeds.split(",")]
    for dataset in args.datasets.split(","):
        x_train, y_train = data.load_images(dataset, "train", args.data_dir)
        x_test, y_test = data.load_images(dataset, "test", args.data_dir)
        if args.test_examples:
            keep = subset_indices(len(x_test), args.test_examples)
            x_test, y_test = x_test[keep], y_test[keep]
        vae = zoo.load(f"conv_{dataset}") if "posterior" in generators else None
        for n in [int(v) for v in args.per_class.split(",")]:
            results = {g: [] for g in generators}
            for seed in seeds:
                start = time.perf_counter()
                labelled = data.labelled_subset(y_train, n, seed=seed)
                x, y = x_train[labelled], y_train[labelled]
                line = []
                for g in generators:
                    if g == "none":
                        xa, ya = x, y
                    elif g == "posterior":
                        xg, yg = aug.posterior_samples(vae, x, y, per_image=args.per_image, seed=seed)
                        xa, ya = np.concatenate([x, xg]), np.concatenate([y, yg])
                    else:
                        cvae = aug.fit_conditional_generator(x, y, steps=args.cvae_steps, seed=seed)
                        xg, yg = aug.conditional_samples(cvae, n * args.per_image, seed=seed)
                        xa, ya = np.concatenate([x, xg]), np.concatenate([y, yg])
                    accuracy = aug.train_classifier(xa, ya, x_test, y_test, steps=args.steps, seed=seed)
                    results[g].append(accuracy)
                    line.append(f"{g} {accuracy:.4f} ({len(xa)} images)")
                print(f"{dataset} N={n} seed {seed}: " + ", ".join(line) + f" [{time.perf_counter() - start:.0f} s]",
                      flush=True)
            for g in generators:
                mean, std = aug.mean_std(results[g])
                print(f"AUG_ACCURACY {dataset} {n} {g} {mean:.4f} {std:.4f}", flush=True)


if __name__ == "__main__":
    main()
