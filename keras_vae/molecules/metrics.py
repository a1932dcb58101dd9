"""The MOSES metrics of generated molecules (Polykovskiy et al. 2020), written with RDKit and numpy.

Definitions follow MOSES's reference code (``moses/metrics``, molsets 0.3.1):

- ``valid``: fraction of generated strings RDKit parses into a non-empty molecule.
- ``unique@k``: distinct canonical SMILES among the first k valid ones, over k.
- ``novelty``: fraction of the distinct valid molecules not in the training set.
- ``IntDiv1`` / ``IntDiv2``: ``1 - mean T`` / ``1 - sqrt(mean T^2)`` over all pairs of
  valid generated molecules (Morgan r=2, 1024 bits; the pair set includes each molecule
  with itself, as MOSES's does).
- ``Filters``: fraction passing MOSES's filters: no charge, atoms in C N S O F Cl Br H,
  no ring of 8 or more atoms, no match of the MCF and PAINS SMARTS (``filters``).
- ``SNN/Test``: mean over generated molecules of the largest Tanimoto to a test molecule.
- ``Frag/Test``, ``Scaf/Test``: cosine similarity of BRICS fragment counts and of Bemis-Murcko
  scaffold counts (scaffolds of at least 2 rings) against the test set's.
- ``FCD/Test``: Frechet ChemNet Distance (``fcd``), when fcd-torch is installed.

The test-set side comes from MOSES's own precomputed ``test_stats.npz`` (shipped in the
molsets wheel: SNN fingerprints, fragment and scaffold counts, ChemNet mean/covariance),
so the figures compare against exactly MOSES's reference statistics.
"""

import time
from collections import Counter

import numpy as np

from keras_vae.extras import require
from keras_vae.molecules import fingerprints

# The MOSES paper's VAE row (Polykovskiy et al. 2020, Table 2, test set).
MOSES_VAE = {"valid": 0.977, "unique@1k": 1.0, "unique@10k": 0.998, "novelty": 0.695, "IntDiv1": 0.856,
             "IntDiv2": 0.850, "Filters": 0.997, "FCD/Test": 0.099, "SNN/Test": 0.626, "Frag/Test": 0.999,
             "Scaf/Test": 0.939}


def _chem():
    require(["rdkit"], "molecule metrics")
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    return Chem


def canonical_valid(smiles):
    """Canonical SMILES of the valid strings of ``smiles`` (None and unparsable ones left out), in order."""
    Chem = _chem()
    out = []
    for s in smiles:
        mol = Chem.MolFromSmiles(s) if s else None
        if mol is not None and mol.GetNumAtoms() > 0:
            out.append(Chem.MolToSmiles(mol))
    return out


def validity(smiles):
    """Fraction of ``smiles`` that are valid molecules."""
    return len(canonical_valid(smiles)) / max(1, len(smiles))


def uniqueness(valid, k=None):
    """Distinct molecules among the first ``k`` of ``valid`` (canonical SMILES), as a fraction.

    MOSES warns and uses all of them when fewer than k are valid; here too
    (``moses_metrics`` adds a note).
    """
    part = valid if k is None else valid[:k]
    return len(set(part)) / max(1, len(part))


def novelty(valid, train):
    """Fraction of the distinct ``valid`` molecules not in ``train`` (a set of canonical SMILES)."""
    distinct = set(valid)
    return len(distinct - train) / max(1, len(distinct))


def internal_diversity(fps, power=1):
    """``1 - (mean T^p)^(1/p)`` over all ordered pairs of the fingerprints (self-pairs included)."""
    return 1.0 - float(np.mean(fingerprints.mean_tanimoto(fps, fps, power))) ** (1.0 / power)


def fragments(mols):
    """Counts of BRICS fragments (SMILES with dummy atoms) over ``mols``, as MOSES's ``compute_fragments``."""
    Chem = _chem()
    from rdkit.Chem import AllChem

    counts = Counter()
    for mol in mols:
        counts.update(Chem.MolToSmiles(AllChem.FragmentOnBRICSBonds(mol)).split("."))
    return counts


def scaffolds(mols, min_rings=2):
    """Counts of Bemis-Murcko scaffolds with at least ``min_rings`` rings, as MOSES's ``compute_scaffolds``."""
    Chem = _chem()
    from rdkit.Chem.Scaffolds import MurckoScaffold

    counts = Counter()
    for mol in mols:
        try:
            scaffold = MurckoScaffold.GetScaffoldForMol(mol)
        except Exception:  # RDKit raises for some exotic molecules; MOSES skips them too
            continue
        smiles = Chem.MolToSmiles(scaffold)
        if smiles and scaffold.GetRingInfo().NumRings() >= min_rings:
            counts[smiles] += 1
    return counts


def cosine_similarity(ref_counts, gen_counts):
    """Cosine similarity of two count dictionaries over the union of their keys (nan if one is empty)."""
    if not ref_counts or not gen_counts:
        return float("nan")
    keys = sorted(set(ref_counts) | set(gen_counts))
    a = np.array([ref_counts.get(k, 0) for k in keys], "float64")
    b = np.array([gen_counts.get(k, 0) for k in keys], "float64")
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def fcd_floor(n, seed=0, test_stats=None):
    """FCD/Test of ``n`` random MOSES test molecules themselves: what a perfect model scores at sample size n."""
    from keras_vae.data.moses import read_split
    from keras_vae.molecules.fcd import frechet_chemnet_distance

    stats = load_test_stats() if test_stats is None else test_stats
    return frechet_chemnet_distance(read_split("test", limit=n, seed=seed), stats["FCD"])


def load_test_stats(split="test"):
    """MOSES's precomputed statistics of the test set (``test_stats.npz`` in the molsets wheel), a dict."""
    from keras_vae.data.moses import molsets_dir

    path = molsets_dir() / "dataset" / "data" / f"{split}_stats.npz"
    return np.load(path, allow_pickle=True)["stats"].item()


def moses_metrics(generated, train, test_stats=None, diversity_sample=10000, snn_sample=2000, filters_sample=2000,
                  fcd=True, fcd_sample=2000, seed=0, log=print):
    """The MOSES metrics of generated SMILES.

    Args:
        generated: generated SMILES (None for a failed decode counts as invalid).
        train: the training SMILES (canonical), for novelty; a set or a list.
        test_stats: MOSES's test statistics (default: ``load_test_stats()``).
        diversity_sample: IntDiv over a seeded random subset of this many valid molecules
            (all pairs of 30,000 would be 9e8 similarities); None: all.
        snn_sample: SNN over a seeded random subset of this many valid molecules, each
            against all 176,074 test fingerprints; None: all.
        filters_sample: the filters' fraction over a seeded random subset of this many valid
            molecules (about 1,200 SMARTS matches each); None: all.
        fcd: compute FCD/Test with fcd-torch (skipped with a note if it is not installed).
        fcd_sample: FCD over a seeded random subset of this many valid molecules (ChemNet runs
            LSTMs over 350 positions per molecule: 2,000 took 58 s on a loaded 2-core CPU);
            None: all. FCD grows as the sample shrinks (a noisier covariance), so a subset's
            figure is an upper estimate of the full sample's; ``fcd_floor`` gives the test
            set's own figure at the same size.
        seed: seed of the subsets.
        log: progress printer (None: silent).

    Returns:
        dict of figures plus ``"notes"`` (subset sizes, what was skipped) and ``"seconds"``.
    """
    Chem = _chem()
    say = log or (lambda *a: None)
    start = time.perf_counter()
    stats = load_test_stats() if test_stats is None else test_stats
    train = train if isinstance(train, (set, frozenset)) else set(train)
    valid = canonical_valid(generated)
    out = {"n": len(generated), "valid": len(valid) / max(1, len(generated)), "notes": []}
    for k in (1000, 10000):
        out[f"unique@{k // 1000}k"] = uniqueness(valid, k)
        if len(valid) < k:
            out["notes"].append(f"unique@{k // 1000}k over the {len(valid)} valid molecules (fewer than {k})")
    out["novelty"] = novelty(valid, train)
    mols = [Chem.MolFromSmiles(s) for s in valid]
    say(f"validity, uniqueness, novelty: {time.perf_counter() - start:.0f} s", flush=True)

    from keras_vae.molecules.filters import passes_filters

    rng = np.random.default_rng(seed)

    def subset(n):
        if n is None or n >= len(mols):
            return np.arange(len(mols))
        return np.sort(rng.choice(len(mols), size=n, replace=False))

    filter_idx = subset(filters_sample)
    out["Filters"] = float(np.mean([passes_filters(mols[i]) for i in filter_idx])) if mols else float("nan")
    out["notes"].append(f"Filters over a seeded random {len(filter_idx)} of {len(mols)} valid molecules")
    say(f"filters: {time.perf_counter() - start:.0f} s", flush=True)

    div_idx = subset(diversity_sample)
    fps = fingerprints.morgan([mols[i] for i in div_idx])
    out["IntDiv1"] = internal_diversity(fps, 1)
    out["IntDiv2"] = internal_diversity(fps, 2)
    out["notes"].append(f"IntDiv over a seeded random {len(div_idx)} of {len(mols)} valid molecules")
    say(f"IntDiv: {time.perf_counter() - start:.0f} s", flush=True)
    snn_idx = subset(snn_sample)
    test_fps = np.asarray(stats["SNN"]["fps"])
    out["SNN/Test"] = float(np.mean(fingerprints.max_tanimoto(fingerprints.morgan([mols[i] for i in snn_idx]), test_fps)))
    out["notes"].append(f"SNN over a seeded random {len(snn_idx)} of {len(mols)} valid molecules, "
                        f"against all {len(test_fps)} test fingerprints")
    say(f"SNN: {time.perf_counter() - start:.0f} s", flush=True)
    out["Frag/Test"] = cosine_similarity(stats["Frag"]["frag"], fragments(mols))
    out["Scaf/Test"] = cosine_similarity(stats["Scaf"]["scaf"], scaffolds(mols))
    say(f"Frag, Scaf: {time.perf_counter() - start:.0f} s", flush=True)
    if fcd:
        from keras_vae.extras import missing

        if missing(["fcd_torch", "torch"]):
            out["notes"].append('FCD skipped: fcd-torch is not installed (pip install "keras-vae[fcd]")')
        else:
            from keras_vae.molecules.fcd import frechet_chemnet_distance

            fcd_idx = subset(fcd_sample)
            out["FCD/Test"] = frechet_chemnet_distance([valid[i] for i in fcd_idx], stats["FCD"])
            out["notes"].append(f"FCD over a seeded random {len(fcd_idx)} of {len(mols)} valid molecules")
            say(f"FCD: {time.perf_counter() - start:.0f} s", flush=True)
    out["seconds"] = round(time.perf_counter() - start, 1)
    return out
