"""Test-set figures in nats: ELBO over the whole binarised test split, IWAE NLL on a subset.

The binarised test split is one fixed Bernoulli draw (seed ``TEST_BINARIZATION_SEED``),
so every figure here is reproducible to the digit on any machine. The IWAE NLL costs
k decoder passes per image, so it runs on a fixed random subset of the test images
(``subset_indices``): MNIST's test split is ordered (its halves come from different
writers), and a leading slice would be a biased sample.
"""

import math
import time

import numpy as np

from keras_vae import data

TEST_BINARIZATION_SEED = 0


def binarized_test_set(dataset="mnist", data_dir=None):
    return data.load_images(dataset, "test", data_dir, binarize="fixed", seed=TEST_BINARIZATION_SEED)


def subset_indices(total, n, seed=0):
    """``n`` distinct test indices drawn once with ``seed`` (sorted), or all of them."""
    if n >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, size=n, replace=False))


def evaluate(model, dataset="mnist", data_dir=None, examples=1000, k=1000, seed=0, elbo_examples=None, arrays=None):
    """Returns a dict of figures, in nats.

    Args:
        model: a keras_vae model.
        dataset: dataset name.
        data_dir: folder of the dataset's original files.
        examples: test images in the IWAE NLL (a fixed random subset, ``subset_indices``).
        k: importance samples per image.
        seed: seed of the posterior samples.
        elbo_examples: test images in the ELBO (default: all; else the same kind of subset).
        arrays: ``(images, labels)`` to use instead of loading the test split.
    """
    images, labels = arrays if arrays is not None else binarized_test_set(dataset, data_dir)
    elbo_idx = subset_indices(len(images), len(images) if elbo_examples is None else elbo_examples)
    nll_idx = subset_indices(len(images), examples)
    n_elbo, n_nll = len(elbo_idx), len(nll_idx)
    # A model that infers missing labels (M2) is scored on the marginal log p(x).
    cond = model.conditional and not getattr(model, "labels_optional", False)
    start = time.perf_counter()
    elbo = model.elbo(images[elbo_idx], labels[elbo_idx] if cond else None, seed=seed)
    nll = -model.log_likelihood(images[nll_idx], labels[nll_idx] if cond else None, k=k, seed=seed)
    figures = {}
    if hasattr(model, "classify"):
        predicted = model.predict_labels(images)
        figures["test_error"] = float(np.mean(predicted != labels))
        figures["test_error_examples"] = int(len(images))
    return {
        **figures,
        "test_elbo": float(np.mean(elbo)),
        "elbo_examples": int(n_elbo),
        "nll": float(np.mean(nll)),
        "nll_stderr": float(np.std(nll) / math.sqrt(n_nll)),
        "nll_examples": int(n_nll),
        "nll_k": int(k),
        "nll_subset": f"{n_nll} of {len(images)} test images, numpy default_rng(0).choice, sorted",
        "nll_is_conditional": bool(cond),
        "seed": int(seed),
        "eval_seconds": round(time.perf_counter() - start, 1),
    }
