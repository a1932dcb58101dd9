"""keras-vae: a Keras 3 model zoo of variational autoencoders."""

__version__ = "0.1.0"

import importlib

_SUBMODULES = ("models", "likelihoods", "data", "zoo", "training", "evaluation", "export", "runtime")


def __getattr__(name):
    # Lazy so that `import keras_vae.runtime` never pulls in keras or tensorflow.
    if name in _SUBMODULES:
        return importlib.import_module(f"keras_vae.{name}")
    raise AttributeError(f"module 'keras_vae' has no attribute {name!r}")
