"""Test-set figures in nats: ELBO over the whole binarised test split, IWAE NLL on a subset.

The binarised test split is one fixed Bernoulli draw (seed ``TEST_BINARIZATION_SEED``),
so every figure here is reproducible to the digit on any machine. The IWAE NLL costs
k decoder passes per image, so it runs on a fixed random subset of the test images
(``subset_indices``): MNIST's test split is ordered (its halves come from different
writers), and a leading slice would be a biased sample.

Two protocols share this code: the card's (``PROTOCOLS["full"]``: the recipe's
``eval_examples`` and ``eval_k``, k=1000 on 1000 images, many minutes on a 2-core CPU)
and the quick one that ``keras-vae evaluate`` runs by default (``PROTOCOLS["quick"]``:
the card's check slice, 200 images at k=100, seconds). Work is split into chunks that
draw the same noise as one call (a shared seed generator), so a progress bar with an
estimate of the time left costs nothing in reproducibility.
"""

import math
import time

import numpy as np

from keras_vae import data
from keras_vae.models import checks

TEST_BINARIZATION_SEED = 0
# The card's check slice: the quick protocol, re-evaluated by tests against each card.
SLICE_EXAMPLES = 200
SLICE_K = 100
# Images per progress update: multiples of the batch sizes of elbo (512) and
# log_likelihood (64), so the chunked noise equals one call's.
_ELBO_CHUNK = 2048
_NLL_CHUNK = 64


def binarized_test_set(dataset="mnist", data_dir=None):
    return data.load_images(dataset, "test", data_dir, binarize="fixed", seed=TEST_BINARIZATION_SEED)


# A token recipe's check slice (tests and the quick ``keras-vae evaluate`` re-evaluate it
# against the card): IWAE on this many of its test molecules, at this k.
TOKEN_SLICE_EXAMPLES, TOKEN_SLICE_K = 50, 10


def test_set_for(model, dataset="mnist", data_dir=None, limit=None):
    """The test split a model is scored on, as ``(data, labels)``.

    Images: binarised for Bernoulli pixels, else grey levels in [0, 1]. Token models
    (molecules): a seeded random ``limit`` of the MOSES test molecules as token ids.
    """
    if checks.is_token_model(model):
        from keras_vae.data import moses

        ids, _, _ = moses.load_tokens(model, "test", limit=limit, seed=0)
        return ids, np.zeros(len(ids), "int32")
    if model.likelihood.name == "bernoulli":
        return binarized_test_set(dataset, data_dir)
    return data.load_images(dataset, "test", data_dir)


def bits_per_dim(nll_nats, model):
    """An NLL in nats per image as bits per data dimension, the unit of the 8-bit image literature."""
    return float(nll_nats) / (float(np.prod(model.image_shape)) * math.log(2.0))


def subset_indices(total, n, seed=0):
    """``n`` distinct test indices drawn once with ``seed`` (sorted), or all of them."""
    if n >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, size=n, replace=False))


class _Progress:
    """A Keras progress bar (with ETA) over work units, or nothing when ``verbose`` is 0."""

    def __init__(self, total, verbose):
        self.bar = None
        if verbose:
            import keras

            self.bar = keras.utils.Progbar(total, unit_name="decoder pass", verbose=verbose)
        self.done = 0

    def add(self, units, **values):
        self.done += units
        if self.bar is not None:
            self.bar.update(self.done, values=list(values.items()) or None)


def _chunked(fn, x, labels, chunk, progress, units_per_image):
    out = []
    for start in range(0, len(x), chunk):
        s = slice(start, start + chunk)
        out.append(fn(x[s], None if labels is None else labels[s]))
        progress.add(units_per_image * len(out[-1]))
    return np.concatenate(out)


def evaluate(
    model, dataset="mnist", data_dir=None, examples=1000, k=1000, seed=0, elbo_examples=None, arrays=None,
    verbose=0,
):
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
        verbose: 1 shows a progress bar with the time left (counted in decoder passes).

    Example:
    >>> figures = evaluate(keras_vae.zoo.load("conv_mnist"), "mnist", "../shared/data/mnist", examples=200, k=100)
    """
    import keras

    examples = checks.check_positive_int(examples, "examples")
    k = checks.check_importance_samples(k)
    seed = checks.check_seed(seed)
    images, labels = arrays if arrays is not None else test_set_for(model, dataset, data_dir)
    checks.check_not_empty(images, "the test set")
    elbo_idx = subset_indices(len(images), len(images) if elbo_examples is None else elbo_examples)
    nll_idx = subset_indices(len(images), examples)
    n_elbo, n_nll = len(elbo_idx), len(nll_idx)
    # A model that infers missing labels (M2) is scored on the marginal log p(x).
    cond = model.conditional and not getattr(model, "labels_optional", False)
    per_image = model.num_classes if getattr(model, "labels_optional", False) else 1
    progress = _Progress(n_elbo * per_image + n_nll * k * per_image, verbose)
    start = time.perf_counter()
    generator = keras.random.SeedGenerator(seed)
    elbo = _chunked(
        lambda x, y: model.elbo(x, y, seed=generator), images[elbo_idx], labels[elbo_idx] if cond else None,
        _ELBO_CHUNK, progress, per_image,
    )
    elbo_seconds = time.perf_counter() - start
    generator = keras.random.SeedGenerator(seed)
    nll = -_chunked(
        lambda x, y: model.log_likelihood(x, y, k=k, seed=generator), images[nll_idx],
        labels[nll_idx] if cond else None, _NLL_CHUNK, progress, k * per_image,
    )
    nll_seconds = time.perf_counter() - start - elbo_seconds
    figures = {}
    if getattr(model.likelihood, "levels", None):
        figures["nll_bits_per_dim"] = bits_per_dim(np.mean(nll), model)
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
        "nll_seconds_per_pass": nll_seconds / max(1, n_nll * k * per_image),
    }


def estimate_seconds(figures, examples, k):
    """Seconds an IWAE NLL over ``examples`` images at ``k`` would take, from a run's measured rate."""
    return figures["nll_seconds_per_pass"] * examples * k


def card_test_set(model, recipe, data_dir=None):
    """The test arrays a card is scored on: every binarised (or 8-bit) test image, or for a
    token recipe a seeded random ``recipe.eval_examples`` of the MOSES test molecules, as training does."""
    limit = recipe.eval_examples if checks.is_token_model(model) else None
    return test_set_for(model, recipe.dataset, data_dir, limit=limit)


def card_figures(model, recipe, data_dir=None, verbose=0):
    """The figures a card records, from one load of the test set: ``(test, test_slice)``.

    ``test`` is the recipe's full protocol (ELBO on every test image, IWAE with
    ``recipe.eval_k`` on ``recipe.eval_examples`` images); ``test_slice`` is the quick
    check slice (``SLICE_EXAMPLES`` images at ``SLICE_K``) that tests re-evaluate.
    """
    arrays = card_test_set(model, recipe, data_dir)
    test = evaluate(model, recipe.dataset, examples=recipe.eval_examples, k=recipe.eval_k, arrays=arrays,
                    verbose=verbose)
    n, k = slice_protocol(model)
    test_slice = evaluate(model, recipe.dataset, examples=n, k=k, elbo_examples=n, arrays=arrays)
    return test, test_slice


def slice_protocol(model):
    """``(examples, k)`` of a model's check slice: ``SLICE_*`` for images, ``TOKEN_SLICE_*`` for molecules."""
    if checks.is_token_model(model):
        return TOKEN_SLICE_EXAMPLES, TOKEN_SLICE_K
    return SLICE_EXAMPLES, SLICE_K


# The literature's protocol (Burda et al. 2016; Tomczak & Welling 2018): -log p(x) by the
# IWAE bound on every test image with k = 5000 (k = 1000 where time forbids, said so).
LITERATURE_K = 1000
# Images per checkpoint of a resumable literature run.
_CHECKPOINT_IMAGES = 512


def _load_checkpoint(path, config):
    """{test index: {k: log p}} saved by an earlier run of the same configuration, else {}."""
    import json
    import os

    if path is None or not os.path.exists(path):
        return {}
    saved = json.loads(open(path).read())
    if saved.get("config") != config:
        raise ValueError(f"checkpoint {path} is of another run ({saved.get('config')}); remove it or use another")
    return {int(i): {int(kk): v for kk, v in values.items()} for i, values in saved["log_px"].items()}


def _save_checkpoint(path, config, done):
    import json

    from keras_vae import files

    log_px = {str(i): {str(kk): v for kk, v in values.items()} for i, values in done.items()}
    files.write_text_atomic(path, json.dumps({"config": config, "log_px": log_px}))


def _figures(nll):
    n = len(nll)
    return float(np.mean(nll)), float(np.std(nll, ddof=1) / math.sqrt(n)) if n > 1 else float("nan")


def literature(model, dataset="mnist", data_dir=None, examples=None, k=LITERATURE_K, seed=0, engine="tf",
               arrays=None, verbose=0, weights_sha256=None, also_k=(), checkpoint=None, decodes_per_call=None):
    """IWAE NLL at the literature's protocol through the fast engines of ``keras_vae.importance``.

    Args:
        model: a keras_vae model.
        dataset, data_dir: the test split to load (binarised once with ``TEST_BINARIZATION_SEED``).
        examples: test images (None: all of them; else the fixed random subset ``subset_indices``).
        k: importance samples per image.
        seed: the noise seed (image i draws from ``numpy.random.default_rng([seed, i])``).
        engine: ``"tf"`` (quickest measured here), ``"onnx"`` or ``"keras"``.
        arrays: ``(images, labels)`` instead of loading the test split.
        verbose: 1 or 2 shows a progress bar with the time left, in decoder passes.
        weights_sha256: recorded in the block, so a block can be matched to its weights.
        also_k: smaller k to report too, from the first draws of the same noise (paired:
            their difference from k has a small standard error).
        checkpoint: a JSON file of per-image results, written every few hundred images;
            a run with the same file and settings resumes where the last one stopped.
        decodes_per_call: decoder passes per engine call (default
            ``importance.DECODES_PER_CALL``); onnxruntime ran PixelVAE 3x faster at 1024 than
            at 4096 here (BENCHMARKS.md).

    Returns:
        the card's protocol block: ``nll``, ``nll_k``, ``nll_examples``, ``nll_stderr`` (sample
        standard deviation over images / sqrt(n)), ``nll_subset``, ``nll_is_conditional``, ...,
        and with ``also_k`` ``smaller_k``: per k its NLL and the paired difference from k.

    Example:
    >>> block = literature(keras_vae.zoo.load("dense_mnist"), "mnist", "../shared/data/mnist", k=1000)
    """
    from keras_vae import importance
    k = checks.check_importance_samples(k)
    seed = checks.check_seed(seed)
    smaller = sorted({checks.check_importance_samples(v) for v in also_k} - {k})
    if any(v > k for v in smaller):
        raise ValueError(f"also_k must be below k={k}, got {smaller}")
    images, labels = arrays if arrays is not None else binarized_test_set(dataset, data_dir)
    checks.check_not_empty(images, "the test set")
    total = len(images)
    n = total if examples is None else min(checks.check_positive_int(examples, "examples"), total)
    idx = subset_indices(total, n)
    cond = model.conditional and not getattr(model, "labels_optional", False)
    per_image = model.num_classes if getattr(model, "labels_optional", False) else 1
    config = {"weights_sha256": weights_sha256, "k": k, "ks": smaller, "seed": seed, "test_images": total}
    done = _load_checkpoint(checkpoint, config)
    todo = np.array([i for i in idx if int(i) not in done], dtype=np.int64)
    progress = _Progress(len(todo) * k * per_image, verbose)
    start = time.perf_counter()
    log_weights = importance.LogWeights(model, engine)
    for c0 in range(0, len(todo), _CHECKPOINT_IMAGES):
        part = todo[c0:c0 + _CHECKPOINT_IMAGES]
        values = importance.log_px(model, images[part], labels[part] if cond else None, indices=part, k=k,
                                   seed=seed, log_weights=log_weights, on_progress=progress.add, ks=smaller,
                                   decodes_per_call=decodes_per_call or importance.DECODES_PER_CALL)
        for j, i in enumerate(part):
            done[int(i)] = {kk: float(v[j]) for kk, v in values.items()}
        if checkpoint is not None:
            _save_checkpoint(checkpoint, config, done)
    seconds = time.perf_counter() - start
    nll = {kk: -np.array([done[int(i)][kk] for i in idx]) for kk in [k] + smaller}
    mean, stderr = _figures(nll[k])
    subset = (f"all {total} test images" if n == total else
              f"{n} of {total} test images, numpy default_rng(0).choice, sorted")
    block = {
        "protocol": "literature" if n == total else "literature subset",
        "nll": mean,
        "nll_stderr": stderr,
        "nll_examples": int(n),
        "nll_k": int(k),
        "nll_subset": subset,
        "nll_is_conditional": bool(cond),
        "test_images": int(total),
        "binarization": f"one fixed Bernoulli draw per pixel, numpy default_rng({TEST_BINARIZATION_SEED})",
        "noise": f"image i draws from numpy default_rng([{seed}, i]) (and [{seed}, i, y] per summed-out class y)",
        "logsumexp": "float64",
        "engine": engine,
        "decodes_per_call": int(decodes_per_call or importance.DECODES_PER_CALL),
        "seed": int(seed),
        "eval_seconds": round(seconds, 1),
        "samples_per_second": round(len(todo) * k * per_image / max(seconds, 1e-9)),
        **({"weights_sha256": weights_sha256} if weights_sha256 else {}),
        # eval_seconds and samples_per_second count this run's images only.
        **({"images_from_checkpoint": int(n - len(todo))} if n > len(todo) else {}),
    }
    if smaller:
        block["smaller_k"] = {}
        for kk in smaller:
            kk_mean, kk_stderr = _figures(nll[kk])
            diff_mean, diff_stderr = _figures(nll[kk] - nll[k])
            block["smaller_k"][str(kk)] = {"nll": kk_mean, "nll_stderr": kk_stderr,
                                           "minus_nll_at_k": diff_mean, "minus_nll_at_k_stderr": diff_stderr}
    return block
