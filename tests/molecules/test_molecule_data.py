"""Molecule files: .smi and .csv read alike; bad molecules are counted and shown, never dropped silently."""

import gzip
import warnings

import numpy as np
import pytest

pytest.importorskip("rdkit")
pytest.importorskip("selfies")

from keras_vae.data import moses  # noqa: E402
from keras_vae.molecules.tokens import EOS_ID, Vocabulary  # noqa: E402

VOCAB = Vocabulary(["[C]", "[O]", "[=O]", "[=Branch1]"])


def test_smi_csv_and_gzip_read_alike(tmp_path):
    (tmp_path / "a.smi").write_text("CCO ethanol\n\nCC(=O)O acetic\n")
    (tmp_path / "b.csv").write_text("id,SMILES\n1,CCO\n2,CC(=O)O\n")
    (tmp_path / "c.csv.gz").write_bytes(gzip.compress(b"smiles\nCCO\nCC(=O)O\n"))
    for name in ("a.smi", "b.csv", "c.csv.gz"):
        assert moses.read_smiles(tmp_path / name) == ["CCO", "CC(=O)O"]


def test_missing_and_empty_files_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        moses.read_smiles(tmp_path / "none.smi")
    (tmp_path / "empty.smi").write_text("\n")
    with pytest.raises(ValueError, match="holds no SMILES"):
        moses.read_smiles(tmp_path / "empty.smi")


def test_bad_molecules_are_reported_with_count_and_examples():
    smiles = ["CCO", "C1CC", "CC(=O)O", "CCN", "xyz", "C" * 30, "CO"]
    with pytest.warns(moses.BadMoleculesWarning) as caught:
        ids, kept, report = moses.tokenize_all(smiles, VOCAB, "selfies", max_length=10)
    message = str(caught[0].message)
    assert message.startswith("4 of 7 molecules left out")
    assert "unparsable SMILES: 2 (first: line 2: 'C1CC', line 5: 'xyz')" in message
    assert "tokens outside the vocabulary ([N]): 1" in message
    assert "longer than 9 tokens: 1" in message
    assert list(kept) == [0, 2, 6]
    assert ids.shape == (3, 10) and ids.dtype == np.float32
    assert ids[0, 3] == EOS_ID and not ids[0, 4:].any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # all good: no warning
        moses.tokenize_all(["CCO"], VOCAB, "selfies", 10)


def test_unknown_split_is_named():
    with pytest.raises(ValueError, match="unknown MOSES split 'valid'"):
        moses.moses_file("valid")
