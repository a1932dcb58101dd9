"""keras-vae: a Keras 3 model zoo of variational autoencoders."""

__version__ = "0.1.0"

import importlib
import os

# TensorFlow's C++ start-up logs (CPU feature notes, CUDA probing on CPU-only machines) are
# noise to a keras_vae user; set TF_CPP_MIN_LOG_LEVEL yourself (0) to see them. Only takes
# effect if TensorFlow has not been imported yet.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

_SUBMODULES = ("models", "likelihoods", "data", "zoo", "training", "evaluation", "export", "runtime")


def __getattr__(name):
    # Lazy so that `import keras_vae.runtime` never pulls in keras or tensorflow.
    if name in _SUBMODULES:
        return importlib.import_module(f"keras_vae.{name}")
    raise AttributeError(f"module 'keras_vae' has no attribute {name!r}")
