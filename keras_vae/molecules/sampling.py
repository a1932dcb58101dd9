"""``keras-vae sample`` for molecule models: SMILES on standard output, optionally drawn into a PNG."""


def print_samples(model, n, seed=0, temperature=None, out=None):
    """Prints ``n`` sampled molecules (canonical SMILES, one per line); draws them into ``out`` if given.

    A decoding that is no molecule (an empty SELFIES, an unparsable SMILES) prints as ``<invalid>``.

    Args:
        model: a ``SequenceVAE``.
        n: molecules to draw.
        seed: seed of z and of the tokens.
        temperature: token sampling temperature (None: 1; 0: greedy).
        out: PNG path of a drawing, or None.
    """
    from keras_vae.extras import require

    require(["rdkit", "selfies"] if model.notation == "selfies" else ["rdkit"], "sampling molecules")
    smiles = model.sample(n, seed=seed, temperature=1.0 if temperature is None else temperature)
    for s in smiles:
        print(s if s else "<invalid>")
    if out:
        from keras_vae.molecules.draw import save_grid

        drawn = save_grid(smiles, out)
        print(f"wrote {out} ({drawn} molecules)")
    return smiles
