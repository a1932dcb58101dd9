"""Loading ``.keras`` files with errors that name the problem."""

import zipfile
from pathlib import Path


def load_model(path):
    """Loads a keras_vae model saved with ``model.save("m.keras")``.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is not a Keras archive, is corrupt, holds a model that
            is not a keras_vae VAE, or holds NaN/inf weights (a run that diverged),
            which would decode every latent to garbage.
    """
    import keras

    from keras_vae.models import VAE

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    if path.suffix != ".keras" or not zipfile.is_zipfile(path):
        raise ValueError(f"{path} is not a .keras model archive (expected a zip written by model.save)")
    try:
        model = keras.saving.load_model(path)
    except Exception as e:  # noqa: BLE001 - Keras raises many types for a bad archive
        raise ValueError(f"{path} could not be loaded as a Keras model: {e}") from e
    if not isinstance(model, VAE):
        raise ValueError(f"{path} holds a {type(model).__name__}, not a keras_vae model")
    check_finite_weights(model, str(path))
    return model


def check_finite_weights(model, where):
    """Refuses a model whose weights hold NaN or inf, naming the first bad variables.

    Args:
        model: a Keras model.
        where: what to name in the error (a file, a run folder).
    """
    import numpy as np

    bad = [v.path for v in model.weights if not np.all(np.isfinite(np.asarray(v)))]
    if bad:
        shown = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        raise ValueError(
            f"{where} holds NaN or infinite weights ({shown}): the training run that wrote it diverged; "
            "retrain it (e.g. with a lower learning rate)"
        )


def load_source(name_or_path):
    """The one loader of every ``keras-vae`` command: a zoo name or a ``.keras`` file.

    Args:
        name_or_path: recipe name (shipped weights), or path to a file written by
            ``model.save("m.keras")``. It is a path if it ends in ``.keras``, contains
            a path separator or names an existing file.

    Returns:
        ``(model, recipe or None, source)`` with ``source`` ``"zoo:NAME"`` or the path.

    Raises:
        ValueError: an unknown name, or a file that is not a keras_vae ``.keras`` model.
        FileNotFoundError: a missing file, or a recipe that ships no weights.
    """
    import os

    from keras_vae import zoo

    name_or_path = str(name_or_path)
    if name_or_path.endswith(".keras") or os.sep in name_or_path or os.path.isfile(name_or_path):
        return load_model(name_or_path), None, name_or_path
    return zoo.load(name_or_path), zoo.get(name_or_path), f"zoo:{name_or_path}"
