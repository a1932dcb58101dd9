"""One process of a data-parallel check; test_distributed.py starts it (the backend and the
device split must be fixed before Keras is imported, so each check is its own process).

    python tests/backends/distributed_worker.py MODE

MODE is ``mirrored`` (TensorFlow, two logical CPU devices), ``jax`` (JAX, the devices
XLA_FLAGS gives), ``jax-multiprocess`` (one of two JAX processes; KERAS_DISTRIBUTION_* set)
or ``multiworker`` (one of two TF workers; TF_CONFIG set). It prints one line
``RESULT {json}``:

- ``max_weight_diff``: one SGD step on the global batch of 16, data-parallel, against
  the same step on one device (noise-free model, so both compute the same gradient);
- ``step_moved``: how far that step moved the weights (the difference must be far smaller);
- ``replicas``, ``steps`` (the step counter after a 2-step fit of a real DenseVAE) and
  ``final_loss``; under ``mirrored`` also ``noise_differs`` (replicas drew different eps).
"""

import json
import os
import sys

MODE = sys.argv[1]
os.environ["KERAS_BACKEND"] = "tensorflow" if MODE in ("mirrored", "multiworker") else "jax"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

if MODE == "mirrored":
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402

from keras_vae import distribute, likelihoods  # noqa: E402
from keras_vae.models import DenseVAE  # noqa: E402


class NoiseFree(DenseVAE):
    """Decodes the posterior mean: the loss is deterministic, so any device split gives one gradient."""

    def elbo_terms(self, x, labels=None, training=False):
        z_mean, z_log_var = self.posterior(x, labels, training=training)
        params = self.decode_params(z_mean, labels, training=training)
        return -self.log_px(x, params), likelihoods.gaussian_kl(z_mean, z_log_var)


def images(n=16):
    return (np.random.default_rng(0).random((n, 28, 28, 1)) < 0.3).astype("float32")


def fit(model, x, batch, lr):
    model.compile(optimizer=keras.optimizers.SGD(lr), jit_compile=keras.backend.backend() == "jax")
    history = model.fit(tf.data.Dataset.from_tensor_slices(x).batch(batch), epochs=1, verbose=0)
    return model.get_weights(), history.history


def main():
    scope = distribute.data_parallel()
    result = {"mode": MODE}
    x = images()
    keras.utils.set_random_seed(0)
    init = NoiseFree(latent_dim=3, hidden_units=(16,), seed=1).get_weights()

    # One device: outside the strategy scope (TF) or with the distribution turned off (JAX).
    active = keras.distribution.distribution() if keras.backend.backend() == "jax" else None
    if active is not None:
        keras.distribution.set_distribution(None)
    single = NoiseFree(latent_dim=3, hidden_units=(16,), seed=1)
    single.set_weights(init)
    reference, _ = fit(single, x, 16, 0.5)
    if active is not None:
        keras.distribution.set_distribution(active)

    with scope():
        parallel = NoiseFree(latent_dim=3, hidden_units=(16,), seed=1)
        parallel.set_weights(init)
    weights, _ = fit(parallel, x, 16, 0.5)
    result["replicas"] = distribute.replicas(parallel)
    result["max_weight_diff"] = float(max(np.max(np.abs(a - b)) for a, b in zip(weights, reference)))
    result["step_moved"] = float(max(np.max(np.abs(a - b)) for a, b in zip(reference, init)))

    with scope():
        model = DenseVAE(latent_dim=3, hidden_units=(16,), seed=1, kl_warmup_steps=4)
    _, history = fit(model, images(32), 16, 0.01)
    result["steps"] = int(keras.ops.convert_to_numpy(model.step_counter.value))
    result["final_loss"] = float(np.ravel(history["loss"])[-1])

    if MODE == "mirrored":
        strategy = parallel.distribute_strategy
        draws = strategy.run(lambda: keras.random.normal((4,), seed=parallel.seed_generator))
        local = [np.asarray(d) for d in strategy.experimental_local_results(draws)]
        result["noise_differs"] = bool(not np.allclose(local[0], local[1]))
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
