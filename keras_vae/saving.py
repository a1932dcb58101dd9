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
