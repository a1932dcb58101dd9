"""Training throughput (images/s) per recipe, against the plain keras.io conv VAE.

    python benchmarks/train_speed.py                 # every recipe + the keras.io baseline
    python benchmarks/train_speed.py conv_mnist_2d   # some of them

The baseline is the keras.io VAE example (latent 2, batch 128, a tf.GradientTape
train_step); `keras_vae_keras_io_layout` is our ConvVAE built with exactly that
architecture (relu, 16 hidden units), so those two lines compare our train_step, metrics
and seeded noise against the reference directly. Both are fed the
same cached, prefetched in-memory tf.data pipeline, timed after one warm-up epoch.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_vae import zoo  # noqa: E402


def keras_io_vae(latent_dim=2):
    """The keras.io example (https://keras.io/examples/generative/vae/), verbatim in structure."""
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


def images_per_second(model, ds, n, epochs, jit_compile=False):
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit_compile)
    model.fit(ds, epochs=1, verbose=0)  # trace and warm up
    start = time.perf_counter()
    model.fit(ds, epochs=epochs, verbose=0)
    return n * epochs / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="recipes (default: all, plus the keras.io baseline)")
    parser.add_argument("--images", type=int, default=128 * 100, help="images per timed epoch")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs")
    parser.add_argument("--jit", action="store_true", help="also time the baseline with jit_compile=True")
    args = parser.parse_args()
    names = args.names or ["keras_io_baseline", "keras_vae_keras_io_layout"] + zoo.list()
    print(f"{'model':24s} {'images/s':>10s}   (batch 128, {os.cpu_count()} CPU cores, TF {tf.__version__})")
    for name in names:
        keras.utils.set_random_seed(0)
        if name == "keras_io_baseline":
            rate = images_per_second(keras_io_vae(), dataset(args.images, False), args.images, args.epochs)
            print(f"{name:24s} {rate:10.0f}")
            if args.jit:
                rate = images_per_second(keras_io_vae(), dataset(args.images, False), args.images, args.epochs, True)
                print(f"{name + ' (jit)':24s} {rate:10.0f}")
            continue
        if name == "keras_vae_keras_io_layout":
            from keras_vae.models import ConvVAE

            model, batch_size = ConvVAE(latent_dim=2, filters=(32, 64), hidden_units=16, activation="relu"), 128
            labelled = None
        else:
            recipe = zoo.get(name)
            model, batch_size = zoo.create(name), recipe.batch_size
            # M2 steps also see the whole labelled set (100 images); the rate counts unlabelled images.
            labelled = recipe.labels_per_class * 10 if recipe.labels_per_class else None
        ds = dataset(args.images, model.conditional, batch_size, labelled)
        rate = images_per_second(model, ds, args.images, args.epochs)
        print(f"{name:24s} {rate:10.0f}")


if __name__ == "__main__":
    main()
