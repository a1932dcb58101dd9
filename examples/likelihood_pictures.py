"""Grey levels against binarised pixels: test items, reconstructions and prior samples of two models.

Rows of the picture, top to bottom: ``--n`` test items; their reconstructions by the
grey-level model (e.g. ``conv_fashion_mnist_8bit``, a discretised logistic per pixel);
the binary model's reconstructions of their binarised versions (``conv_fashion_mnist``,
Bernoulli pixels); prior samples of the grey-level model; prior samples of the binary
model (means of p(x|z) throughout). Prints the mean absolute grey-level error of each
model's reconstructions against the original test items:

    RECON_MAE <model> <value>

    python examples/likelihood_pictures.py --data-dir ../shared/data/fashion_mnist --out docs/fashion_8bit_vs_binary.png
"""

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]


def main(argv=None):
    from keras_vae.cli_args import positive_int, seed

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("KERAS_VAE_DATA_DIR",
                                                             REPO.parent / "shared/data/fashion_mnist"))
    parser.add_argument("--dataset", default="fashion_mnist")
    parser.add_argument("--grey-model", default="conv_fashion_mnist_8bit", help="zoo name or .keras of grey levels")
    parser.add_argument("--binary-model", default="conv_fashion_mnist", help="zoo name or .keras of binarised pixels")
    parser.add_argument("--n", type=positive_int, default=10, help="items per row")
    parser.add_argument("--seed", type=seed, default=1, help="seed of the prior samples")
    parser.add_argument("--out", default="likelihoods.png")
    args = parser.parse_args(argv)

    import numpy as np

    from keras_vae import data, images
    from keras_vae.saving import load_source

    grey, binary = load_source(args.grey_model)[0], load_source(args.binary_model)[0]
    real, _ = data.load_images(args.dataset, "test", args.data_dir, limit=args.n)
    rows = [
        real,
        np.asarray(grey.reconstruct(real)),
        np.asarray(binary.reconstruct(data.binarize_fixed(real, seed=0))),
        np.asarray(grey.sample(args.n, seed=args.seed)),
        np.asarray(binary.sample(args.n, seed=args.seed)),
    ]
    for name, recon in ((args.grey_model, rows[1]), (args.binary_model, rows[2])):
        print(f"RECON_MAE {name} {np.mean(np.abs(recon - real)):.4f}")
    images.save_png(images.grid(np.concatenate(rows), len(rows), args.n), args.out)
    print(f"wrote {args.out}: rows test items, {args.grey_model} and {args.binary_model} reconstructions, "
          f"then prior samples of each")


if __name__ == "__main__":
    try:
        main()
    except (ValueError, FileNotFoundError) as error:  # a wrong model name or file: one line, no traceback
        raise SystemExit(f"likelihood_pictures.py: error: {error}")
