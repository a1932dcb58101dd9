"""Property optimisation in latent space (Gomez-Bombarelli et al. 2018, section "Property prediction").

1. Encode training molecules (posterior means) and compute a property with RDKit
   (``"qed"``: drug-likeness in [0, 1]; ``"logp"``: Crippen's octanol-water logP).
2. Fit a small Keras MLP ``z -> property`` (``fit_predictor``), scored on a held-out fifth (R^2).
3. Search (``search``): from the latent codes of random training molecules, a
   derivative-free hill climb on the predictor (Gaussian proposals, the best of each
   round kept, codes held inside a ball of the prior's typical radius), decoding the
   codes visited (greedy) and scoring every decoded molecule with RDKit: the property's true
   value, not the predictor's, decides what is returned.

Derivative-free on purpose: it runs on any Keras backend (no backend's gradient tape).

Example:
>>> result = optimize(model, train_smiles, "qed", seed=0)
>>> result["found"][:3]          # [(smiles, qed), ...], all above the training median
"""

import math

import numpy as np

from keras_vae.extras import require

PROPERTIES = ("qed", "logp")


def property_values(smiles, name="qed"):
    """The property of each SMILES (nan where RDKit cannot parse it)."""
    require(["rdkit"], "molecular properties")
    from rdkit import Chem, RDLogger
    from rdkit.Chem import QED, Crippen

    RDLogger.DisableLog("rdApp.*")
    if name not in PROPERTIES:
        raise ValueError(f"property must be one of {', '.join(PROPERTIES)}, got {name!r}")
    fn = QED.qed if name == "qed" else Crippen.MolLogP
    out = []
    for s in smiles:
        mol = Chem.MolFromSmiles(s) if s else None
        out.append(float(fn(mol)) if mol is not None and mol.GetNumAtoms() else float("nan"))
    return np.array(out)


def fit_predictor(z, y, epochs=60, seed=0, hidden=64):
    """A Keras MLP ``z -> y`` on standardised targets; returns ``(predict, r2 on a held-out fifth)``.

    Args:
        z: latent codes (n, latent_dim).
        y: property values (n,).
        epochs: training epochs of the MLP (Adam, batch 64).
        seed: seeds the split and the weights.
        hidden: width of its two hidden layers.
    """
    import keras

    z, y = np.asarray(z, "float32"), np.asarray(y, "float64")
    order = np.random.default_rng(seed).permutation(len(z))
    held, fit = order[: len(z) // 5], order[len(z) // 5:]
    loc, scale = y[fit].mean(), y[fit].std() or 1.0
    keras.utils.set_random_seed(seed)
    net = keras.Sequential([
        keras.Input((z.shape[1],)),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(1),
    ])
    net.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse", jit_compile=False)
    net.fit(z[fit], ((y[fit] - loc) / scale).astype("float32"), epochs=epochs, batch_size=64, verbose=0)

    def predict(codes):
        return net.predict(np.asarray(codes, "float32"), verbose=0, batch_size=4096)[:, 0] * scale + loc

    residual = y[held] - predict(z[held])
    r2 = 1.0 - float(np.mean(residual**2) / np.var(y[held]))
    return predict, r2


def search(model, predict, starts, steps=10, proposals=16, step_size=0.3, seed=0):
    """Hill climb on ``predict`` from each start; returns every latent code visited (steps+1, n, d).

    Each round proposes ``proposals`` Gaussian moves of scale ``step_size`` per code and
    keeps the one the predictor scores best (or stays). Codes stay within radius
    ``sqrt(d) + 3`` (the prior's typical shell), where the decoder was trained.
    """
    rng = np.random.default_rng(seed)
    z = np.asarray(starts, "float32").copy()
    n, d = z.shape
    radius = math.sqrt(d) + 3.0
    path = [z.copy()]
    for _ in range(int(steps)):
        moves = z[:, None] + step_size * rng.standard_normal((n, proposals, d)).astype("float32")
        norms = np.linalg.norm(moves, axis=-1, keepdims=True)
        moves = np.where(norms > radius, moves * radius / norms, moves)
        scores = predict(moves.reshape(n * proposals, d)).reshape(n, proposals)
        best = scores.argmax(axis=1)
        better = scores[np.arange(n), best] > predict(z)
        z = np.where(better[:, None], moves[np.arange(n), best], z)
        path.append(z.copy())
    return np.stack(path)


def optimize(model, train_smiles, prop="qed", encode_examples=2000, starts=64, steps=10, seed=0):
    """Latent-space search for molecules whose RDKit ``prop`` beats the training set's median.

    Args:
        model: a trained ``SequenceVAE``.
        train_smiles: training molecules (a random ``encode_examples`` of them train the predictor).
        prop: ``"qed"`` or ``"logp"``.
        encode_examples: training molecules encoded for the predictor.
        starts: search starts (random training molecules among those).
        steps: hill-climbing rounds.
        seed: seeds every choice.

    Returns:
        dict: ``median`` (of the encoded training molecules), ``predictor_r2``, ``starts_mean``
        (the property of the start molecules), ``decoded`` (distinct molecules decoded
        along the paths), ``found`` ([(smiles, value)] above the median, best first, not
        in ``train_smiles``'s encoded subset), ``found_fraction`` (of decoded).
    """
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(train_smiles), size=min(encode_examples, len(train_smiles)), replace=False)
    chosen = [train_smiles[i] for i in pick]
    y = property_values(chosen, prop)
    z, _ = model.encode(chosen)
    predict, r2 = fit_predictor(z, y, seed=seed)
    median = float(np.median(y))
    start_idx = rng.choice(len(z), size=min(starts, len(z)), replace=False)
    path = search(model, predict, z[start_idx], steps=steps, seed=seed)
    decoded = model.decode(path.reshape(-1, z.shape[1]))
    distinct = sorted({s for s in decoded if s})
    values = property_values(distinct, prop)
    known = set(chosen)
    found = sorted(((s, float(v)) for s, v in zip(distinct, values) if v > median and s not in known),
                   key=lambda t: -t[1])
    return {
        "property": prop,
        "median": median,
        "predictor_r2": r2,
        "starts_mean": float(np.mean(y[start_idx])),
        "decoded": len(distinct),
        "found": found,
        "found_fraction": len(found) / max(1, len(distinct)),
        "encode_examples": len(chosen),
        "starts": int(len(start_idx)),
        "steps": int(steps),
    }
