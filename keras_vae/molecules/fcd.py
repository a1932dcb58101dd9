"""Frechet ChemNet Distance (Preuer et al. 2018) with the ChemNet weights shipped in the fcd-torch wheel.

The activations of ChemNet's penultimate layer (512 values per molecule) are summarised
by their mean and covariance; FCD is the Frechet distance between the generated and the
reference Gaussians, ``|mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2))``. MOSES's
``test_stats.npz`` holds the test set's mean and covariance computed by fcd-torch, so
only the generated side is computed here. fcd-torch (``pip install --no-deps fcd-torch``)
brings the weights inside its wheel (``ChemNet_v0.13_pretrained.pt``) and needs torch;
its model and SMILES encoder are used, its ``FCD`` class is not (it calls APIs that
NumPy 2 and SciPy removed). Nothing is downloaded.

Example:
>>> frechet_chemnet_distance(smiles, load_test_stats()["FCD"])
"""

import numpy as np

from keras_vae.extras import require


def chemnet_activations(smiles, batch_size=512):
    """ChemNet's penultimate activations (n, 512) of canonical SMILES (fcd-torch's model and encoding)."""
    require(["fcd_torch", "torch"], "FCD")
    import os

    import fcd_torch
    import torch
    from fcd_torch.utils import SmilesDataset, load_imported_model

    path = os.path.join(os.path.dirname(fcd_torch.__file__), "ChemNet_v0.13_pretrained.pt")
    model = load_imported_model(torch.load(path, weights_only=False))  # the wheel's own pickled Keras config
    model.eval()
    data = SmilesDataset(list(smiles), canonize=False)
    out = []
    with torch.no_grad():
        for start in range(0, len(data), batch_size):
            batch = np.stack([data[i] for i in range(start, min(start + batch_size, len(data)))])
            out.append(model(torch.from_numpy(batch).float().transpose(1, 2)).numpy())
    return np.concatenate(out) if out else np.zeros((0, 512), "float32")


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Frechet distance of two Gaussians; the matrix square root's trace from a symmetric eigendecomposition."""
    mu1, mu2 = np.asarray(mu1, "float64"), np.asarray(mu2, "float64")
    sigma1, sigma2 = np.asarray(sigma1, "float64"), np.asarray(sigma2, "float64")
    w, v = np.linalg.eigh(sigma1)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    middle = root1 @ sigma2 @ root1  # symmetric PSD, with the eigenvalues of sigma1 @ sigma2
    tr_covmean = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)))
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * tr_covmean)


def frechet_chemnet_distance(smiles, reference):
    """FCD of canonical SMILES against reference statistics ``{"mu", "sigma"}`` (MOSES's test_stats)."""
    if len(smiles) < 2:
        raise ValueError(f"FCD needs at least 2 molecules, got {len(smiles)}")
    acts = chemnet_activations(smiles)
    return frechet_distance(acts.mean(0), np.cov(acts.T), reference["mu"], reference["sigma"])
