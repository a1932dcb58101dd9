"""Loading ``.keras`` files with errors that name the problem."""

import zipfile
from pathlib import Path


def load_model(path):
    """Loads a keras_vae model saved with ``model.save("m.keras")``.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is not a Keras archive, is corrupt, or holds a model
            that is not a keras_vae VAE.
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
    return model
