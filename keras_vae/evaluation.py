"""Test-set figures in nats: ELBO over the whole binarised test split, IWAE NLL on a slice.

The binarised test split is one fixed Bernoulli draw (seed ``TEST_BINARIZATION_SEED``),
so every figure here is reproducible to the digit on any machine.
"""

import math
import time

import numpy as np

from keras_vae import data

TEST_BINARIZATION_SEED = 0


def binarized_test_set(dataset="mnist", data_dir=None):
    return data.load_images(dataset, "test", data_dir, binarize="fixed", seed=TEST_BINARIZATION_SEED)


def evaluate(model, dataset="mnist", data_dir=None, examples=1000, k=1000, seed=0, elbo_examples=None, arrays=None):
    """Returns a dict of figures, in nats.

    Args:
        model: a keras_vae model.
        dataset: dataset name.
        data_dir: folder of the dataset's original files.
        examples: the first ``examples`` test images enter the IWAE NLL.
        k: importance samples per image.
        seed: seed of the posterior samples.
        elbo_examples: test images in the ELBO (default: all).
        arrays: ``(images, labels)`` to use instead of loading the test split.
    """
    images, labels = arrays if arrays is not None else binarized_test_set(dataset, data_dir)
    n_elbo = len(images) if elbo_examples is None else min(elbo_examples, len(images))
    n_nll = min(examples, len(images))
    cond = model.conditional
    start = time.perf_counter()
    elbo = model.elbo(images[:n_elbo], labels[:n_elbo] if cond else None, seed=seed)
    log_px = model.log_likelihood(images[:n_nll], labels[:n_nll] if cond else None, k=k, seed=seed)
    nll = -log_px
    return {
        "test_elbo": float(np.mean(elbo)),
        "elbo_examples": int(n_elbo),
        "nll": float(np.mean(nll)),
        "nll_stderr": float(np.std(nll) / math.sqrt(n_nll)),
        "nll_examples": int(n_nll),
        "nll_k": int(k),
        "nll_is_conditional": bool(cond),
        "seed": int(seed),
        "eval_seconds": round(time.perf_counter() - start, 1),
    }
