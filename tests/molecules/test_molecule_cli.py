"""``keras-vae sample`` on a molecule model prints SMILES (and draws them with --out)."""

import pytest

pytest.importorskip("rdkit")
pytest.importorskip("selfies")

from keras_vae import zoo  # noqa: E402
from keras_vae.cli import main  # noqa: E402
from keras_vae.molecules.tokens import canonical  # noqa: E402


def test_sample_prints_one_line_per_molecule(tmp_path, capsys):
    path = tmp_path / "tiny.keras"
    from keras_vae.models import SequenceVAE

    SequenceVAE(vocabulary=["[C]", "[O]", "[N]"], max_length=12, latent_dim=2, units=8, embedding_dim=4).save(path)
    assert main(["sample", str(path), "--n", "4", "--seed", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4
    assert all(line == "<invalid>" or canonical(line) == line for line in lines)


def test_shipped_recipe_samples_valid_smiles_and_draws_them(tmp_path, capsys):
    if zoo.card("selfies_moses") is None:
        pytest.skip("selfies_moses weights not shipped")
    out = tmp_path / "grid.png"
    assert main(["sample", "selfies_moses", "--n", "10", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    smiles, last = lines[:10], lines[10]
    assert all(canonical(s) == s for s in smiles)  # valid, canonical SMILES
    assert last.startswith(f"wrote {out}") and out.stat().st_size > 1000
