"""MOSES's medicinal-chemistry filters, with the SMARTS files shipped in the molsets wheel.

A molecule passes (``passes_filters``) when it has no formal charge, only the atoms C, N,
S, O, F, Cl, Br, H, no ring of 8 or more atoms, and no match (with explicit hydrogens)
of the MCF (``moses/metrics/mcf.csv``) or PAINS (``moses/metrics/wehi_pains.csv``)
SMARTS, as MOSES's ``mol_passes_filters``. The two CSV files are read as data; ``moses``
is not imported.

Example:
>>> passes_filters(Chem.MolFromSmiles("CCO"))
True
"""

import csv
import functools

from keras_vae.extras import require

ALLOWED_ATOMS = frozenset({"C", "N", "S", "O", "F", "Cl", "Br", "H"})


@functools.lru_cache(maxsize=1)
def filter_patterns():
    """The MCF and PAINS SMARTS as RDKit query molecules."""
    require(["rdkit"], "MOSES filters")
    from rdkit import Chem

    from keras_vae.data.moses import molsets_dir

    folder = molsets_dir() / "metrics"
    with open(folder / "mcf.csv", newline="") as f:
        smarts = [row["smarts"] for row in csv.DictReader(f)]
    with open(folder / "wehi_pains.csv", newline="") as f:
        smarts += [row[0] for row in csv.reader(f) if row]  # no header: smarts, name
    patterns = [Chem.MolFromSmarts(s) for s in smarts]
    if any(p is None for p in patterns):
        raise ValueError(f"unparsable SMARTS in {folder}; reinstall molsets==0.3.1")
    return tuple(patterns)


def passes_filters(mol):
    """True if the RDKit molecule passes MOSES's filters (charge, atoms, ring size, MCF, PAINS)."""
    from rdkit import Chem

    if mol is None:
        return False
    rings = mol.GetRingInfo()
    if rings.NumRings() and any(len(r) >= 8 for r in rings.AtomRings()):
        return False
    atoms = mol.GetAtoms()
    if any(a.GetFormalCharge() != 0 for a in atoms) or any(a.GetSymbol() not in ALLOWED_ATOMS for a in atoms):
        return False
    with_h = Chem.AddHs(mol)
    return not any(with_h.HasSubstructMatch(p) for p in filter_patterns())
