"""Data-parallel training through the engines Keras users already run.

- JAX: ``keras.distribution.DataParallel`` over every device Keras lists. Several
  processes (hosts) join first through ``keras.distribution.initialize``, which reads
  ``KERAS_DISTRIBUTION_JOB_ADDRESSES`` (the coordinator, ``host:port``),
  ``KERAS_DISTRIBUTION_NUM_PROCESSES`` and ``KERAS_DISTRIBUTION_PROCESS_ID`` and calls
  ``jax.distributed.initialize``.
- TensorFlow: ``tf.distribute.MirroredStrategy`` on one machine, or
  ``MultiWorkerMirroredStrategy`` when ``TF_CONFIG`` names a cluster. The model and its
  optimiser are built and compiled under the returned scope.

Semantics (same on both): the dataset's batch is the *global* batch, split evenly over
the replicas; the gradient is the mean over the global batch, so a step on N replicas
equals a step on one device with the same batch, and the learning rate stays as it is.
Each replica draws its own reparameterisation noise.

Example:
>>> scope = keras_vae.distribute.data_parallel()
>>> with scope():
...     model = keras_vae.models.DenseVAE()
...     model.compile(optimizer="adam")
>>> model.fit(dataset, epochs=10)   # dataset batches are global batches
"""

import contextlib
import json
import os

MODES = ("none", "data-parallel")


def replicas(model=None):
    """Number of data-parallel replicas ``model`` trains on (default: of the active distribution)."""
    import keras

    if keras.backend.backend() == "jax":
        distribution = keras.distribution.distribution()
        return 1 if distribution is None else int(distribution.device_mesh.devices.size)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        strategy = model.distribute_strategy if model is not None else tf.distribute.get_strategy()
        return strategy.num_replicas_in_sync
    return 1


def data_parallel():
    """Turns on data parallelism for the current backend.

    Returns:
        ``scope``: a function giving a context manager to build and compile models in.

    Raises:
        ValueError: on a backend without a data-parallel engine here (PyTorch).
    """
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        if int(os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES", "1")) > 1:
            keras.distribution.initialize()
        devices = keras.distribution.list_devices()
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
        return contextlib.nullcontext
    if backend == "tensorflow":
        import tensorflow as tf

        if len(json.loads(os.environ.get("TF_CONFIG", "{}")).get("cluster", {}).get("worker", [])) > 1:
            strategy = tf.distribute.MultiWorkerMirroredStrategy()
        else:
            # Every GPU, else every logical CPU device (one, unless the process split its CPU).
            devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
            strategy = tf.distribute.MirroredStrategy([d.name for d in devices])
        return strategy.scope
    raise ValueError(
        f"--distribute data-parallel runs on the jax or tensorflow backend, not {backend!r} "
        "(set KERAS_BACKEND=jax or tensorflow, or --backend)"
    )
