"""Inference on exported keras_vae models without TensorFlow or Keras.

Opens an export folder (written by ``keras_vae.export``) through its ``manifest.json``
and runs the exported graphs with onnxruntime (the default) or the LiteRT interpreter.
Importing this package imports numpy and the standard library only; the chosen runtime
is imported when the first graph is opened. Every input is checked against the
manifest (shape, dtype, value range, label values) before it reaches a runtime, so a
wrong call fails with an ``InputError`` that says what was expected.

Example:
>>> from keras_vae.runtime import ExportedVAE
>>> vae = ExportedVAE("dist/conv_mnist")                 # onnxruntime
>>> images = vae.sample(16, seed=0)                       # (16, 28, 28, 1) pixel probabilities
>>> z_mean, z_log_var = vae.encode(images)
>>> scores = vae.score(images)                            # negative ELBO in nats, per image
>>> int8 = ExportedVAE("dist/conv_mnist", backend="litert", variant="int8")

Installing without TensorFlow:
    ``pip install ./runtime`` from a checkout installs the separate distribution
    ``keras-vae-runtime``, whose only dependencies are numpy and onnxruntime
    (``pip install "./runtime[litert]"`` adds ai-edge-litert). It packages these very
    sources (``runtime/pyproject.toml`` points setuptools at ``keras_vae/runtime``) as a
    portion of the ``keras_vae`` namespace, without ``keras_vae/__init__.py``.

    Why a separate distribution rather than the ``keras-vae[runtime]`` extra: extras
    can only add requirements, never remove them, and ``keras-vae``'s base requirements
    include tensorflow, keras and tensorflow-datasets, so ``pip install
    "keras-vae[runtime]"`` always installs TensorFlow (that extra remains useful to add
    onnxruntime next to a full install). Moving TensorFlow out of the base requirements
    would break ``pip install keras-vae`` for training, the main use. A second small
    distribution built from the same files keeps one copy of the code and gives a
    dependency set that provably excludes TensorFlow (``tests/runtime/test_packaging.py``
    builds its metadata offline and imports it with only numpy and onnxruntime on the
    path). Install one or the other: ``keras-vae`` already contains this package, and
    both distributions own the same files.
"""

from keras_vae.runtime.backends import BACKENDS, DEFAULT_BACKEND
from keras_vae.runtime.checks import InputError
from keras_vae.runtime.manifest import Manifest, ManifestError, SUPPORTED_MANIFEST_VERSIONS, read_manifest
from keras_vae.runtime.model import ExportedVAE, load

__all__ = [
    "BACKENDS", "DEFAULT_BACKEND", "ExportedVAE", "InputError", "Manifest", "ManifestError",
    "SUPPORTED_MANIFEST_VERSIONS", "load", "read_manifest",
]
