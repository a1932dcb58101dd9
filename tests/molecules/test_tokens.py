"""Tokenisers and vocabulary: exact round trips on real MOSES molecules, clear errors on bad input."""

from pathlib import Path

import pytest

pytest.importorskip("rdkit")
pytest.importorskip("selfies")

from keras_vae.molecules import tokens  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "moses_train_300.smi"
SMILES = FIXTURE.read_text().split()


@pytest.mark.parametrize("notation", ["selfies", "smiles"])
def test_round_trip_through_ids_gives_the_same_molecule(notation):
    seen = sorted({t for s in SMILES for t in tokens.tokenize(s, notation)})
    vocab = tokens.Vocabulary(seen)
    for s in SMILES:
        ids = vocab.encode(tokens.tokenize(s, notation), max_length=120)
        assert len(ids) == 120 and ids[-1] == tokens.PAD_ID
        assert tokens.to_smiles(vocab.decode(ids), notation) == tokens.canonical(s)


def test_smiles_tokens_are_the_string():
    assert tokens.smiles_tokens("CC(=O)N[C@@H]1CCBr") == ["C", "C", "(", "=", "O", ")", "N", "[C@@H]", "1", "C", "C", "Br"]
    assert tokens.smiles_tokens("c1ccccc1Cl%10") [-2:] == ["Cl", "%10"]


def test_vocabulary_ids_and_errors():
    vocab = tokens.Vocabulary(["[C]", "[O]"])
    assert vocab.size == 5
    assert vocab.encode(["[C]", "[O]"], 4) == [3, 4, tokens.EOS_ID, tokens.PAD_ID]
    assert vocab.decode([tokens.BOS_ID, 3, 4, tokens.EOS_ID, 3]) == ["[C]", "[O]"]  # stops at <eos>
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode(["[N]"], 4)
    with pytest.raises(ValueError, match="fit before <eos>"):
        vocab.encode(["[C]"] * 4, 4)
    with pytest.raises(ValueError, match="distinct"):
        tokens.Vocabulary(["[C]", "[C]"])
    with pytest.raises(ValueError, match="special"):
        tokens.Vocabulary(["<eos>"])


def test_bad_smiles_and_notation_are_named():
    with pytest.raises(ValueError, match="cannot parse SMILES 'C1CC'"):
        tokens.tokenize("C1CC")
    with pytest.raises(ValueError, match="notation"):
        tokens.tokenize("CCO", "inchi")
    assert tokens.to_smiles([], "selfies") is None  # an empty sequence is no molecule
    assert tokens.to_smiles(["C", "("], "smiles") is None
