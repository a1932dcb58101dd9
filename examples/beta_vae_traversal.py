"""beta-VAE: how much each latent dimension carries, and pictures of walking along them.

Loads the shipped ``beta_vae_mnist`` (beta = 4) and, for comparison, ``conv_mnist``
(beta = 1); prints each model's mean KL per latent dimension over test images (nats: how
much information the dimension carries) and writes a traversal grid per model: one row
per dimension, most informative first, that dimension swept from -3 to 3 with the
others at a test image's posterior mean.

    python examples/beta_vae_traversal.py --data-dir ../shared/data/mnist --out-dir docs
"""

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("KERAS_VAE_DATA_DIR", REPO.parent / "shared/data/mnist"))
    parser.add_argument("--models", nargs="+", default=["beta_vae_mnist", "conv_mnist"])
    parser.add_argument("--examples", type=int, default=1000, help="test images the KL per dimension averages over")
    parser.add_argument("--rows", type=int, default=10, help="dimensions drawn per traversal")
    parser.add_argument("--image-index", type=int, default=0)
    parser.add_argument("--out-dir", default=".")
    args = parser.parse_args(argv)

    import numpy as np

    from keras_vae import zoo
    from keras_vae.evaluation import binarized_test_set, subset_indices
    from keras_vae.tasks import traversal

    x, _ = binarized_test_set("mnist", args.data_dir)
    sample = x[subset_indices(len(x), args.examples)]
    Path(args.out_dir).mkdir(parents=True, exist_ok=True)
    for name in args.models:
        model = zoo.load(name)
        kl = traversal.mean_kl_per_dim(model, sample)
        order = np.argsort(-kl)
        top = kl[order]
        # Dimensions holding 90% of the KL: few for a disentangling beta-VAE, many for beta = 1.
        needed = int(np.searchsorted(np.cumsum(top) / top.sum(), 0.9) + 1)
        print(f"{name} (beta={model.beta:g}): total KL {kl.sum():.2f} nats over {model.latent_dim} dims; "
              f"{needed} dims hold 90% of it; largest: " + ", ".join(f"z{d} {kl[d]:.2f}" for d in order[:5]))
        grid = traversal.traverse(model, x=x[args.image_index], data=sample, max_dims=args.rows)
        path = traversal.save_png(grid, Path(args.out_dir) / f"traversal_{name}.png")
        print(f"wrote {path}")
        print(f"KL_DIMS_90 {name} {needed}")


if __name__ == "__main__":
    main()
