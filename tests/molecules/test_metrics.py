"""MOSES metrics on hand-picked molecules, each against a value worked out by hand or by RDKit itself."""

import numpy as np
import pytest

pytest.importorskip("rdkit")
from rdkit import Chem, DataStructs  # noqa: E402
from rdkit.Chem import rdFingerprintGenerator  # noqa: E402

from keras_vae.molecules import fingerprints, metrics  # noqa: E402

BENZENE, ETHANOL, PHENOL, TOLUENE = "c1ccccc1", "CCO", "Oc1ccccc1", "Cc1ccccc1"


def test_validity_uniqueness_novelty_by_hand():
    generated = ["OCC", ETHANOL, "C1=CC=CC=C1", "C1CC", "", None, "xyz", PHENOL]
    valid = metrics.canonical_valid(generated)
    assert valid == [ETHANOL, ETHANOL, BENZENE, PHENOL]  # canonical forms, invalid ones out
    assert metrics.validity(generated) == 4 / 8
    assert metrics.uniqueness(valid) == 3 / 4
    assert metrics.uniqueness(valid, k=2) == 1 / 2
    assert metrics.novelty(valid, {BENZENE, "CCN"}) == 2 / 3  # ethanol and phenol are new


def test_tanimoto_matches_rdkit():
    smiles = [BENZENE, ETHANOL, PHENOL, TOLUENE, "CC(=O)Oc1ccccc1C(=O)O"]
    fps = fingerprints.morgan(smiles)
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=1024)
    bits = [gen.GetFingerprint(Chem.MolFromSmiles(s)) for s in smiles]
    want = np.array([DataStructs.BulkTanimotoSimilarity(b, bits) for b in bits])
    np.testing.assert_allclose(fingerprints.mean_tanimoto(fps, fps), want.mean(1), rtol=1e-6)
    np.testing.assert_allclose(fingerprints.max_tanimoto(fps[:2], fps[2:]), want[:2, 2:].max(1), rtol=1e-6)
    # Blocks of any size give the same answer.
    np.testing.assert_allclose(fingerprints.mean_tanimoto(fps, fps, block=2), want.mean(1), rtol=1e-6)
    # IntDiv: 1 - mean over all ordered pairs (self-pairs included), as MOSES.
    assert metrics.internal_diversity(fps) == pytest.approx(1 - want.mean())
    assert metrics.internal_diversity(fps, 2) == pytest.approx(1 - np.sqrt((want**2).mean()))
    assert metrics.internal_diversity(fingerprints.morgan([PHENOL] * 3)) == pytest.approx(0.0)


def test_fragments_scaffolds_and_cosine():
    mols = [Chem.MolFromSmiles(s) for s in ("c1ccc(cc1)C(=O)Nc1ccccc1", "c1ccc2ccccc2c1", ETHANOL)]
    scaffolds = metrics.scaffolds(mols)
    assert scaffolds == {"c1ccc2ccccc2c1": 1, "O=C(Nc1ccccc1)c1ccccc1": 1}  # ethanol: no ring, no scaffold
    assert metrics.scaffolds(mols, min_rings=3) == {}
    fragments = metrics.fragments(mols[:1])
    assert sum(fragments.values()) >= 2  # the amide is a BRICS bond
    assert metrics.cosine_similarity({"a": 1, "b": 2}, {"a": 2, "b": 4}) == pytest.approx(1.0)
    assert metrics.cosine_similarity({"a": 1}, {"b": 1}) == pytest.approx(0.0)
    assert np.isnan(metrics.cosine_similarity({}, {"a": 1}))


def test_frechet_distance_against_the_closed_form():
    from scipy import linalg

    from keras_vae.molecules.fcd import frechet_distance

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(50, 4)), rng.normal(size=(60, 4)) + 0.5
    mu1, s1, mu2, s2 = a.mean(0), np.cov(a.T), b.mean(0), np.cov(b.T)
    want = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(want, rel=1e-6)
    assert frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-9)


def test_moses_filters_on_hand_picked_molecules():
    from keras_vae.data import moses
    from keras_vae.extras import MissingExtraError
    from keras_vae.molecules.filters import passes_filters

    try:
        moses.molsets_dir()
    except MissingExtraError as e:
        pytest.skip(str(e))
    assert passes_filters(Chem.MolFromSmiles("CC(=O)Nc1ccc(O)cc1"))  # paracetamol
    assert not passes_filters(Chem.MolFromSmiles("C[N+](C)(C)C"))  # charged
    assert not passes_filters(Chem.MolFromSmiles("CCP(C)C"))  # phosphorus is not allowed
    assert not passes_filters(Chem.MolFromSmiles("C1CCCCCCC1"))  # an 8-membered ring
    assert not passes_filters(Chem.MolFromSmiles("C1OC1CC"))  # MCF5: an epoxide
