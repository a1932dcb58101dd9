"""Content-based recommendation: the training items most like each test item, in latent space and in pixels.

Indexes the training split (the catalogue, 60,000 items) by the posterior means of the
zoo's unconditional model (``keras_vae.tasks.retrieval.LatentIndex``, exact search with
scikit-learn), then for every test image (the queries) retrieves its nearest catalogue
items and scores precision@k: the fraction of the k neighbours of the query's class.
The same search on raw pixels is the baseline. Prints

    PRECISION_AT_K <space> <k> <value>
    LATENCY_MS <space> <median ms per single-image query, encoding included>

and writes a picture of queries (left) and their neighbours.

    python examples/retrieval.py --data-dir ../shared/data/fashion_mnist --plot docs/fashion_neighbours.png

A quick check with conv_mnist:

    python examples/retrieval.py --model conv_mnist --dataset mnist --catalogue-examples 2000 \
        --test-examples 300 --data-dir ../shared/data/mnist
"""

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("KERAS_VAE_DATA_DIR",
                                                             REPO.parent / "shared/data/fashion_mnist"))
    parser.add_argument("--dataset", default="fashion_mnist")
    parser.add_argument("--model", default="conv_fashion_mnist", help="unconditional zoo model whose codes are indexed")
    parser.add_argument("--catalogue-examples", type=int, help="training images indexed (default: all 60,000)")
    parser.add_argument("--test-examples", type=int, help="query images (default: all 10,000)")
    parser.add_argument("--ks", default="1,5,10")
    parser.add_argument("--latency-queries", type=int, default=100, help="single-image queries timed")
    parser.add_argument("--plot", default="neighbours.png")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import numpy as np

    from keras_vae import data, zoo
    from keras_vae.evaluation import subset_indices
    from keras_vae.images import save_png
    from keras_vae.tasks import retrieval

    names = data.get(args.dataset).label_names
    x_train, y_train = data.load_images(args.dataset, "train", args.data_dir)
    x_test, y_test = data.load_images(args.dataset, "test", args.data_dir)
    if args.catalogue_examples:
        keep = subset_indices(len(x_train), args.catalogue_examples, seed=args.seed)
        x_train, y_train = x_train[keep], y_train[keep]
    if args.test_examples:
        keep = subset_indices(len(x_test), args.test_examples, seed=args.seed)
        x_test, y_test = x_test[keep], y_test[keep]
    ks = [int(k) for k in args.ks.split(",")]
    model = zoo.load(args.model)

    indexes = {}
    for space, source in (("latent", model), ("pixels", None)):
        start = time.perf_counter()
        index = indexes[space] = retrieval.LatentIndex(source).fit(x_train, y_train)
        built = time.perf_counter() - start
        start = time.perf_counter()
        result = retrieval.precision_at_k(index, x_test, y_test, y_train, ks=ks)
        searched = time.perf_counter() - start
        print(f"{space}: {index.size} catalogue items indexed in {built:.1f} s; {len(x_test)} queries in "
              f"{searched:.1f} s")
        for k in ks:
            per_class = ", ".join(f"{names[c]} {v:.3f}" for c, v in result[k]["per_class"].items())
            print(f"  precision@{k} {result[k]['precision']:.4f} (per class: {per_class})")
            print(f"PRECISION_AT_K {space} {k} {result[k]['precision']:.4f}")
        n = min(args.latency_queries, len(x_test))
        latency = retrieval.query_latency(index, x_test[:n], k=max(ks))
        print(f"LATENCY_MS {space} {latency * 1000:.2f}")

    rng = np.random.default_rng(args.seed)
    picks = [rng.choice(np.flatnonzero(y_test == c)) for c in np.unique(y_test)]
    _, neighbours = indexes["latent"].query(x_test[picks], 8)
    picture = retrieval.neighbours_grid(x_test[picks], x_train[neighbours])
    print(f"wrote {save_png(picture, args.plot)}: per row a test item (one per class), then its 8 nearest "
          f"catalogue items in {args.model}'s latent space")


if __name__ == "__main__":
    main()
