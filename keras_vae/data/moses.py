"""Molecules: the MOSES benchmark's SMILES (Polykovskiy et al. 2020) or a user's own file, as token ids.

The MOSES split ships inside the ``molsets`` wheel (``pip install --no-deps molsets==0.3.1``)
under ``moses/dataset/data/``: ``train.csv.gz`` (1,584,663 SMILES), ``test.csv.gz``
(176,074), ``test_scaffolds.csv.gz``. They are read from the installed package as data
files (``moses`` is never imported: its pinned dependencies do not install on Python
3.11); nothing is downloaded.

A user's ``.smi`` (one SMILES per line, optional name after whitespace), ``.csv`` (a
``SMILES`` column, else the first) or gzipped file goes through the same reader. Molecules
that RDKit cannot parse, that hold a token outside the model's vocabulary or that do not
fit ``max_length`` are reported (a ``BadMoleculesWarning`` with the count per reason and
the first examples) and left out; none is dropped silently.

Example:
>>> smiles = read_smiles(moses_file("test"))
>>> ids, kept, report = tokenize_all(smiles[:100], model.vocab, "selfies", model.max_length)
"""

import csv
import gzip
import importlib.util
import io
import warnings
from pathlib import Path

import numpy as np

from keras_vae.extras import MissingExtraError

SPLITS = ("train", "test", "test_scaffolds")
# MOSES's split sizes, checked when a file is read (a truncated file fails loudly).
SPLIT_SIZES = {"train": 1584663, "test": 176074, "test_scaffolds": 176226}
EXAMPLES_SHOWN = 5


class BadMoleculesWarning(UserWarning):
    """Some input molecules were left out; the message counts them and shows the first."""


def molsets_dir():
    """The installed ``moses`` package folder (of the ``molsets`` wheel), found without importing it."""
    spec = importlib.util.find_spec("moses")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError(
            "the MOSES dataset needs molsets, which is not installed: pip install --no-deps molsets==0.3.1 "
            '(with pip install "keras-vae[molecules]")'
        )
    return Path(list(spec.submodule_search_locations)[0])


def moses_file(split):
    """Path of a MOSES split's ``.csv.gz`` inside the installed molsets package."""
    if split not in SPLITS:
        raise ValueError(f"unknown MOSES split {split!r}; expected one of {', '.join(SPLITS)}")
    path = molsets_dir() / "dataset" / "data" / f"{split}.csv.gz"
    if not path.is_file():
        raise FileNotFoundError(f"MOSES file {path} is missing; reinstall molsets==0.3.1")
    return path


def _open_text(path):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"molecule file {path} does not exist; expected a .smi or .csv file of SMILES")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        return io.StringIO(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text; expected a .smi or .csv file of SMILES") from None


def read_smiles(path):
    """SMILES strings of a ``.smi`` or ``.csv`` file (gzip allowed), in file order.

    A CSV's column is ``SMILES`` (any case) or else the first; a ``.smi`` line's first
    whitespace-separated field is the SMILES. Empty lines are skipped.
    """
    text = _open_text(path)
    name = str(path).lower().removesuffix(".gz")
    if name.endswith(".csv"):
        rows = list(csv.reader(text))
        if not rows:
            raise ValueError(f"{path} is empty; expected a CSV with a SMILES column")
        header = [h.strip().lower() for h in rows[0]]
        column = header.index("smiles") if "smiles" in header else 0
        out = [r[column].strip() for r in rows[1:] if len(r) > column and r[column].strip()]
    else:
        out = [line.split()[0] for line in text if line.strip()]
    if not out:
        raise ValueError(f"{path} holds no SMILES")
    return out


def read_split(split, limit=None, seed=0):
    """SMILES of a MOSES split; ``limit``: a seeded random subset of that many, in file order."""
    smiles = read_smiles(moses_file(split))
    if len(smiles) != SPLIT_SIZES[split]:
        raise ValueError(f"MOSES {split} has {len(smiles)} SMILES, expected {SPLIT_SIZES[split]}; reinstall molsets")
    if limit is not None and limit < len(smiles):
        keep = np.sort(np.random.default_rng(seed).choice(len(smiles), size=int(limit), replace=False))
        smiles = [smiles[i] for i in keep]
    return smiles


def tokenize_all(smiles, vocabulary, notation, max_length, warn=True):
    """Token ids of many molecules, reporting those left out.

    Args:
        smiles: SMILES strings.
        vocabulary: a ``keras_vae.molecules.tokens.Vocabulary``.
        notation: ``"selfies"`` or ``"smiles"``.
        max_length: ids per molecule, ``<eos>`` included.
        warn: issue a ``BadMoleculesWarning`` when molecules are left out.

    Returns:
        ``(ids, kept, report)``: float32 ids (m, max_length), the indices of the kept
        molecules in ``smiles``, and ``{reason: {"count": n, "examples": [...]}}`` of the rest.
    """
    from keras_vae.molecules.tokens import tokenize

    rows, kept, report = [], [], {}

    def bad(reason, i, s):
        entry = report.setdefault(reason, {"count": 0, "examples": []})
        entry["count"] += 1
        if len(entry["examples"]) < EXAMPLES_SHOWN:
            entry["examples"].append(f"line {i + 1}: {s!r}")

    for i, s in enumerate(smiles):
        try:
            tokens = tokenize(s, notation)
        except ValueError:
            bad("unparsable SMILES", i, s)
            continue
        if vocabulary.unknown(tokens):
            bad(f"tokens outside the vocabulary ({', '.join(sorted(set(vocabulary.unknown(tokens))))})", i, s)
            continue
        if len(tokens) + 1 > max_length:
            bad(f"longer than {max_length - 1} tokens", i, s)
            continue
        rows.append(vocabulary.encode(tokens, max_length))
        kept.append(i)
    if report and warn:
        total = sum(e["count"] for e in report.values())
        details = "; ".join(f"{r}: {e['count']} (first: {', '.join(e['examples'])})" for r, e in report.items())
        warnings.warn(f"{total} of {len(smiles)} molecules left out: {details}", BadMoleculesWarning, stacklevel=2)
    ids = np.asarray(rows, "float32").reshape(-1, max_length)
    return ids, np.asarray(kept, "int64"), report


def load_tokens(model, split="train", limit=None, seed=0, path=None):
    """``(ids, smiles kept, report)`` of a MOSES split (or a user's file ``path``) for ``model``."""
    smiles = read_smiles(path) if path is not None else read_split(split, limit, seed)
    if path is not None and limit is not None:
        smiles = smiles[:limit]
    ids, kept, report = tokenize_all(smiles, model.vocab, model.notation, model.max_length)
    if len(ids) == 0:
        raise ValueError(f"no molecule of {path or 'MOSES ' + split} could be tokenised: {report}")
    return ids, [smiles[i] for i in kept], report


def make_dataset(model, split="train", batch_size=256, seed=0, limit=None, epoch=None, path=None, shuffle=True):
    """Batches of float32 token ids (batch, max_length) for ``model``, a pure function of (seed, epoch).

    Example:
    >>> ds = make_dataset(model, "train", 256, limit=100_000)
    """
    from keras_vae.data.pipeline import epoch_dataset

    ids, _, _ = load_tokens(model, split, limit, seed, path)
    return epoch_dataset(ids.astype("uint8" if model.vocab.size < 256 else "int32"), np.zeros(len(ids)), batch_size,
                         seed=seed, shuffle=shuffle, with_labels=False, epoch=epoch, scale=1.0)
