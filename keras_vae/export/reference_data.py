"""The fixed inputs of an export: a verification batch and a calibration sample.

Real data is preferred: the first images of the binarised test split (verification) and
of the train split (int8 calibration), read through ``keras_vae.data``. Where the
dataset is not available offline, or does not match the model's image shape, the
model's own samples stand in, binarised with a fixed seed so that exports are
reproducible. Which one was used is recorded in the manifest.

A token model (``data_kind == "tokens"``: SequenceVAE) takes float32 token ids: its real
data is MOSES (``keras_vae.data.moses``, read from the installed molsets package), the
first molecules of the test and train splits that its vocabulary tokenises; its samples
are token ids generated from prior draws at temperature 1 (``model.generate``).
"""

import dataclasses

import numpy as np

# Not keras_vae.models: `keras-vae --help` builds the export parser without importing Keras.
from keras_vae.runtime import checks

SOURCES = ("auto", "dataset", "samples")
DEFAULT_DATASET = "mnist"
TOKEN_DATASET = "moses"
# Seeds of the fallback samples and of the scorer's noise draws.
SAMPLE_SEED = 0
NOISE_SEED = 0


@dataclasses.dataclass
class ReferenceData:
    """Images and labels (None for an unconditional model) for verification and calibration.

    Args:
        verify_images, verify_labels: the fixed verification batch.
        calib_images, calib_labels: the representative sample for int8 calibration.
        info: manifest record of where they came from.
    """

    verify_images: np.ndarray
    verify_labels: object
    calib_images: np.ndarray
    calib_labels: object
    info: dict


def default_dataset(model):
    """The dataset of a model that names none: MOSES for a token model, else ``DEFAULT_DATASET``."""
    return TOKEN_DATASET if checks.is_token_model(model) else DEFAULT_DATASET


def _first_tokens(model, split, n):
    from keras_vae.data import moses

    smiles = moses.read_split(split)
    ids = np.zeros((0, model.max_length), "float32")
    start, chunk = 0, 2 * n + 64
    while len(ids) < n and start < len(smiles):  # molecules outside the vocabulary are skipped
        more, _, _ = moses.tokenize_all(smiles[start : start + chunk], model.vocab, model.notation,
                                        model.max_length, warn=False)
        ids, start = np.concatenate([ids, more]), start + chunk
    if len(ids) < n:
        raise ValueError(f"only {len(ids)} MOSES {split} molecules fit the model's vocabulary, {n} needed")
    return ids[:n]


def _tokens_from_dataset(model, dataset, data_dir, verify_examples, calibration_examples):
    if dataset != TOKEN_DATASET:
        raise ValueError(f"a token model's reference data is {TOKEN_DATASET!r}, got dataset {dataset!r}")
    if data_dir is not None:
        raise ValueError("MOSES is read from the installed molsets package: data_dir does not apply to it")
    vx = _first_tokens(model, "test", verify_examples)
    cx = _first_tokens(model, "train", calibration_examples)
    info = {
        "source": "dataset",
        "dataset": dataset,
        "binarize": None,
        "verification": f"first {len(vx)} molecules of the {dataset} test split that the vocabulary tokenises",
        "calibration": f"first {len(cx)} molecules of the {dataset} train split that the vocabulary tokenises",
    }
    return ReferenceData(vx, None, cx, None, info)


def _from_dataset(model, dataset, data_dir, verify_examples, calibration_examples):
    from keras_vae import data

    spec = data.get(dataset)
    if tuple(spec.image_shape) != tuple(model.image_shape):
        raise ValueError(
            f"dataset {dataset!r} has images of shape {spec.image_shape}, the model takes {model.image_shape}"
        )
    binarize = "fixed" if model.likelihood.name == "bernoulli" else None
    vx, vy = data.load_images(dataset, "test", data_dir, binarize=binarize, limit=verify_examples)
    cx, cy = data.load_images(dataset, "train", data_dir, binarize=binarize, limit=calibration_examples)
    info = {
        "source": "dataset",
        "dataset": dataset,
        "binarize": binarize,
        "verification": f"first {len(vx)} images of the {dataset} test split",
        "calibration": f"first {len(cx)} images of the {dataset} train split",
    }
    labels = model.conditional
    return ReferenceData(vx, vy if labels else None, cx, cy if labels else None, info)


def _from_samples(model, verify_examples, calibration_examples, reason):
    n = verify_examples + calibration_examples
    labels = (np.arange(n) % model.num_classes).astype("int32") if model.conditional else None
    if checks.is_token_model(model):
        z = np.random.default_rng(SAMPLE_SEED).standard_normal((n, model.latent_dim)).astype("float32")
        images = model.generate(z, temperature=1.0, seed=SAMPLE_SEED)  # token ids, float32
    else:
        images = model.sample(n, labels=labels, seed=SAMPLE_SEED)
    binarized = model.likelihood.name == "bernoulli"
    if binarized:
        rng = np.random.default_rng(SAMPLE_SEED)
        images = (rng.random(images.shape, dtype=np.float32) < images).astype("float32")
    what = "generated token sequences (temperature 1)" if checks.is_token_model(model) else "decoded model samples"
    info = {
        "source": "samples",
        "dataset": None,
        "binarize": "fixed" if binarized else None,
        "verification": f"{verify_examples} {what} (seed {SAMPLE_SEED})",
        "calibration": f"{calibration_examples} {what} (seed {SAMPLE_SEED})",
        "reason": reason,
    }
    v = slice(0, verify_examples)
    c = slice(verify_examples, n)
    return ReferenceData(
        images[v], None if labels is None else labels[v], images[c], None if labels is None else labels[c], info
    )


def load(model, source="auto", dataset=None, data_dir=None, verify_examples=32, calibration_examples=256):
    """The verification batch and calibration sample of an export.

    Args:
        model: the ``keras_vae.models.VAE`` being exported.
        source: ``"dataset"`` (real data, an error if unavailable), ``"samples"`` (the
            model's own samples) or ``"auto"`` (real data when available, else samples).
        dataset: name in ``keras_vae.data`` (default ``default_dataset(model)``: ``"mnist"``,
            or ``"moses"`` for a token model).
        data_dir: folder of the dataset's original files; None uses the prepared TFDS
            copy or ``$KERAS_VAE_DATA_DIR``. A folder named here must work, even under
            ``"auto"``: a wrong path is an error, not a silent fallback.
        verify_examples: size of the verification batch.
        calibration_examples: size of the calibration sample.

    Returns:
        a ``ReferenceData``.
    """
    if source not in SOURCES:
        raise ValueError(f"reference data source must be one of {SOURCES}, got {source!r}")
    dataset = dataset or default_dataset(model)
    if source == "samples":
        return _from_samples(model, verify_examples, calibration_examples, "requested")
    from keras_vae import data

    tokens = checks.is_token_model(model)
    if tokens and dataset != TOKEN_DATASET:
        raise ValueError(f"a token model's reference data is {TOKEN_DATASET!r}, got dataset {dataset!r}")
    if not tokens:
        data.get(dataset)  # an unknown name is a typo to report, never a reason to fall back
    try:
        load_data = _tokens_from_dataset if tokens else _from_dataset
        return load_data(model, dataset, data_dir, verify_examples, calibration_examples)
    except (FileNotFoundError, ValueError, ImportError) as e:
        if source == "dataset" or data_dir is not None:
            raise
        first_line = str(e).splitlines()[0] if str(e) else type(e).__name__
        return _from_samples(model, verify_examples, calibration_examples, f"dataset unavailable: {first_line}")
