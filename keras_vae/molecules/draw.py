"""Molecules drawn with RDKit into one PNG grid (``Chem.Draw.MolsToGridImage``), written atomically.

Example:
>>> save_grid(["CCO", "c1ccccc1"], "molecules.png", legends=["ethanol", "benzene"])
"""

from keras_vae.extras import require
from keras_vae.files import atomic_path


def save_grid(smiles, path, cols=5, size=250, legends=None):
    """Draws the valid molecules of ``smiles`` in a grid PNG at ``path``; returns how many were drawn.

    Args:
        smiles: SMILES strings (None or unparsable ones are left out).
        path: the PNG file.
        cols: molecules per row.
        size: pixels per molecule (square).
        legends: one caption per molecule (default: its SMILES).
    """
    require(["rdkit"], "drawing molecules")
    from rdkit import Chem
    from rdkit.Chem import Draw

    legends = list(smiles) if legends is None else list(legends)
    if len(legends) != len(smiles):
        raise ValueError(f"{len(legends)} legends for {len(smiles)} molecules")
    kept = [(Chem.MolFromSmiles(s), str(t)) for s, t in zip(smiles, legends) if s]
    kept = [(m, t) for m, t in kept if m is not None]
    if not kept:
        raise ValueError("no valid molecule to draw")
    image = Draw.MolsToGridImage([m for m, _ in kept], molsPerRow=cols, subImgSize=(size, size),
                                 legends=[t for _, t in kept])
    with atomic_path(path) as tmp:
        image.save(tmp, format="PNG")
    return len(kept)


__all__ = ["save_grid"]
