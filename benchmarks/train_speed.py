"""Training throughput (images/s) per recipe, against the plain keras.io conv VAE.

    python benchmarks/train_speed.py                 # every recipe + the keras.io baseline
    python benchmarks/train_speed.py conv_mnist_2d   # some of them
    python benchmarks/train_speed.py --backends tensorflow,jax,torch   # one column per backend
    python benchmarks/train_speed.py --data-parallel dense_mnist       # 1 vs 2 devices, TF and JAX

With ``--backends`` or ``--data-parallel`` each column runs in its own process (Keras fixes
the backend at import; the device split is fixed when TF or XLA starts): JAX compiles its
step (``jit_compile=True``, else it runs op by op), TensorFlow and PyTorch run without XLA or
torch.compile. The keras.io example's train_step is a ``tf.GradientTape``, so it runs on
TensorFlow only. ``--data-parallel`` splits this machine's CPU into two devices (two logical
TF CPU devices under MirroredStrategy; two XLA host devices under DataParallel) at the same
global batch: the cores are the same, so it measures the overhead of the split, not a speed-up.

The baseline is the keras.io VAE example (latent 2, batch 128, a tf.GradientTape
train_step); `keras_vae_keras_io_layout` is our ConvVAE built with exactly that
architecture (relu, 16 hidden units), so those two lines compare our train_step, metrics
and seeded noise against the reference directly. Both are fed the
same cached, prefetched in-memory tf.data pipeline, timed after one warm-up epoch.
"""

import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

BASELINES = ["keras_io_baseline", "keras_vae_keras_io_layout"]


def keras_io_vae(latent_dim=2):
    """The keras.io example (https://keras.io/examples/generative/vae/), verbatim in structure."""
    import keras
    import tensorflow as tf
    from keras import layers, ops

    class Sampling(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            epsilon = keras.random.normal(shape=ops.shape(z_mean), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(inputs)
    x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(latent_dim)(x)
    z_log_var = layers.Dense(latent_dim)(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(inputs, [z_mean, z_log_var, z])
    latent = keras.Input(shape=(latent_dim,))
    x = layers.Dense(7 * 7 * 64, activation="relu")(latent)
    x = layers.Reshape((7, 7, 64))(x)
    x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
    outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    decoder = keras.Model(latent, outputs)

    class VAE(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.encoder, self.decoder = encoder, decoder
            self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
            self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
            self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

        @property
        def metrics(self):
            return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

        def train_step(self, data):
            with tf.GradientTape() as tape:
                z_mean, z_log_var, z = self.encoder(data)
                reconstruction = self.decoder(z)
                reconstruction_loss = ops.mean(
                    ops.sum(keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2))
                )
                kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
                kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
                total_loss = reconstruction_loss + kl_loss
            grads = tape.gradient(total_loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            self.total_loss_tracker.update_state(total_loss)
            self.reconstruction_loss_tracker.update_state(reconstruction_loss)
            self.kl_loss_tracker.update_state(kl_loss)
            return {m.name: m.result() for m in self.metrics}

    return VAE()


def dataset(n, conditional, batch_size=128, labelled=None):
    """Random binary images; with ``labelled``, M2 batches: ``batch_size`` unlabelled beside ``labelled`` labelled."""
    import numpy as np
    import tensorflow as tf
    rng = np.random.default_rng(0)
    x = (rng.random((n, 28, 28, 1)) < 0.13).astype("float32")
    y = rng.integers(0, 10, n).astype("int32")
    if labelled:
        x_l, y_l = x[:labelled], y[:labelled]
        ds = tf.data.Dataset.from_tensor_slices(x).batch(batch_size).map(
            lambda u: {"image": u, "labelled_image": x_l, "labelled_label": y_l}
        )
        return ds.cache().prefetch(tf.data.AUTOTUNE)
    return tf.data.Dataset.from_tensor_slices((x, y) if conditional else x).batch(batch_size).cache().prefetch(
        tf.data.AUTOTUNE
    )


def images_per_second(model, ds, n, epochs, jit_compile=None):
    import keras

    if jit_compile is None:
        jit_compile = keras.backend.backend() == "jax"
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit_compile)
    model.fit(ds, epochs=1, verbose=0)  # trace and warm up
    start = time.perf_counter()
    model.fit(ds, epochs=epochs, verbose=0)
    return n * epochs / (time.perf_counter() - start)


def _split_devices(devices):
    """Splits the CPU into ``devices`` devices; must run before TF or XLA starts."""
    if devices <= 1 or os.environ.get("KERAS_BACKEND") == "jax":
        return  # JAX: XLA_FLAGS, set by the parent process
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * devices)


def measure(names, images, epochs, jit=False, devices=1):
    """Yields ``(name, images/s)`` on the current backend, data-parallel over ``devices`` if > 1."""
    import contextlib

    _split_devices(devices)
    import keras

    from keras_vae import zoo

    scope = contextlib.nullcontext
    if devices > 1:
        from keras_vae import distribute

        scope = distribute.data_parallel()
    for name in names:
        keras.utils.set_random_seed(0)
        if name == "keras_io_baseline":
            if keras.backend.backend() != "tensorflow" or devices > 1:
                continue  # its train_step is a tf.GradientTape without replica scaling
            yield name, images_per_second(keras_io_vae(), dataset(images, False), images, epochs)
            if jit:
                yield name + " (jit)", images_per_second(keras_io_vae(), dataset(images, False), images, epochs, True)
            continue
        with scope():
            if name == "keras_vae_keras_io_layout":
                from keras_vae.models import ConvVAE

                model, batch_size = ConvVAE(latent_dim=2, filters=(32, 64), hidden_units=16, activation="relu"), 128
                labelled = None
            else:
                recipe = zoo.get(name)
                model, batch_size = zoo.create(name), recipe.batch_size
                # M2 steps also see the whole labelled set (100 images); the rate counts unlabelled images.
                labelled = recipe.labels_per_class * 10 if recipe.labels_per_class else None
            ds = dataset(images, model.conditional, batch_size, labelled)
            rate = images_per_second(model, ds, images, epochs)
        yield name, rate


def _columns(args):
    if args.data_parallel:
        return [(b, d) for b in ("tensorflow", "jax") for d in (1, 2)]
    return [(b, 1) for b in args.backends.split(",")]


def _run_column(backend, devices, args):
    """Runs this script as a worker for one (backend, devices) column; returns {name: images/s}."""
    env = {**os.environ, "KERAS_BACKEND": backend}
    if backend == "jax" and devices > 1:
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    cmd = [sys.executable, __file__, "--worker", str(devices), "--images", str(args.images),
           "--epochs", str(args.epochs), *args.names] + (["--jit"] if args.jit else [])
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    rates = {}
    for line in out.stdout.splitlines():
        if line.startswith("RATE "):
            name, rate = json.loads(line[5:])
            rates[name] = rate
    if out.returncode != 0:
        print(f"# {backend} x{devices} failed: {out.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
    return rates


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="recipes (default: all, plus the keras.io baseline)")
    parser.add_argument("--images", type=int, default=128 * 100, help="images per timed epoch")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs")
    parser.add_argument("--jit", action="store_true", help="also time the baseline with jit_compile=True")
    parser.add_argument("--backends", help="comma-separated Keras backends, one column each (e.g. tensorflow,jax,torch)")
    parser.add_argument("--data-parallel", action="store_true", help="TF and JAX on 1 and on 2 devices")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # devices; one column, machine-readable
    args = parser.parse_args()
    if not args.names:
        from keras_vae import zoo

        args.names = BASELINES + zoo.list()
    if args.worker:
        for name, rate in measure(args.names, args.images, args.epochs, args.jit, args.worker):
            print("RATE " + json.dumps([name, rate]), flush=True)
        return
    if args.backends or args.data_parallel:
        columns = _columns(args)
        results = {column: _run_column(*column, args) for column in columns}
        heads = [f"{b} x{d}" if args.data_parallel else b for b, d in columns]
        print(f"images/s, batch 128 (recipes: their own batch), {os.cpu_count()} CPU cores")
        print(f"| model | {' | '.join(heads)} |")
        print("| --- |" + " ---: |" * len(columns))
        rows = list(dict.fromkeys(name for rates in results.values() for name in rates))
        for name in rows:
            cells = [f"{results[c][name]:.0f}" if name in results[c] else "n/a" for c in columns]
            print(f"| {name} | {' | '.join(cells)} |")
        return
    import keras

    print(f"{'model':24s} {'images/s':>10s}   (batch 128, {os.cpu_count()} CPU cores, Keras backend {keras.backend.backend()})")
    for name, rate in measure(args.names, args.images, args.epochs, args.jit):
        print(f"{name:24s} {rate:10.0f}")


if __name__ == "__main__":
    main()
