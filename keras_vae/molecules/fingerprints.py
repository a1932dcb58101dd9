"""Morgan fingerprints and Tanimoto similarities in numpy, as MOSES computes them.

MOSES uses RDKit Morgan bit vectors of radius 2 and 1024 bits, and Tanimoto similarity
``|a & b| / (|a| + |b| - |a & b|)`` (two empty fingerprints count as similarity 1). The
pairwise intersections are a float32 matrix product of the 0/1 vectors (exact for
counts up to 1024), in blocks of bounded memory, as MOSES's own torch code does.

Example:
>>> fps = morgan(["CCO", "CCN"])
>>> max_tanimoto(fps, fps)
array([1., 1.])
"""

import numpy as np

from keras_vae.extras import require

RADIUS, BITS = 2, 1024
BLOCK = 4096  # rows per block of the pairwise matrix


def morgan(smiles_or_mols, radius=RADIUS, bits=BITS):
    """0/1 uint8 fingerprints (n, bits) of SMILES strings or RDKit molecules (all must parse)."""
    require(["rdkit"], "molecular fingerprints")
    from rdkit import Chem, DataStructs
    from rdkit.Chem import rdFingerprintGenerator

    generator = rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=bits)
    out = np.zeros((len(smiles_or_mols), bits), "uint8")
    for i, m in enumerate(smiles_or_mols):
        mol = Chem.MolFromSmiles(m) if isinstance(m, str) else m
        if mol is None:
            raise ValueError(f"RDKit cannot parse molecule {i} ({m!r})")
        DataStructs.ConvertToNumpyArray(generator.GetFingerprint(mol), out[i])
    return out


def _similarity_blocks(query, reference, block=BLOCK):
    """Yields ``(query rows, Tanimoto block (q, r))`` over blocks of both sets."""
    query, reference = np.asarray(query), np.asarray(reference)
    q_counts = query.sum(axis=1, dtype="float32")
    r_counts = reference.sum(axis=1, dtype="float32")
    for i in range(0, len(query), block):
        qb = query[i:i + block].astype("float32")
        for j in range(0, len(reference), block):
            both = qb @ reference[j:j + block].astype("float32").T
            union = q_counts[i:i + block, None] + r_counts[None, j:j + block] - both
            with np.errstate(invalid="ignore", divide="ignore"):
                sim = np.where(union > 0, both / np.maximum(union, 1), 1.0)
            yield slice(i, i + len(qb)), sim


def max_tanimoto(query, reference, block=BLOCK):
    """For each query fingerprint, its largest Tanimoto similarity to any reference one."""
    out = np.zeros(len(query))
    for rows, sim in _similarity_blocks(query, reference, block):
        out[rows] = np.maximum(out[rows], sim.max(axis=1))
    return out


def mean_tanimoto(query, reference, power=1, block=BLOCK):
    """For each query fingerprint, ``mean(T ** power)`` over every reference one."""
    total = np.zeros(len(query))
    for rows, sim in _similarity_blocks(query, reference, block):
        total[rows] += (sim ** power).sum(axis=1)
    return total / len(reference)
