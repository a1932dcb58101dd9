"""Data augmentation with VAE-generated images, measured on a small classifier.

A few labelled images per class train a small CNN; the question is whether adding images
a VAE generates for those classes raises its test accuracy. Two generators, both honest
about labels (they see only the same few labels as the classifier; the shipped ``cvae_*``
models saw every label and would leak them):

- ``posterior_samples``: an *unconditional* VAE trained without labels (the zoo's
  ``conv_mnist`` / ``conv_fashion_mnist``) varies each labelled image: z ~ q(z|x), decoded;
  the new image keeps the label of the image it came from.
- ``fit_conditional_generator``: a small conditional VAE (``ConditionalVAE``, dense body)
  trained with the project's one train step on the labelled images alone, then sampled
  per class.

Example:
>>> keep = keras_vae.data.labelled_subset(y_train, 10, seed=0)
>>> x_gen, y_gen = posterior_samples(keras_vae.zoo.load("conv_mnist"), x_train[keep], y_train[keep], per_image=5)
>>> accuracy = train_classifier(np.concatenate([x_train[keep], x_gen]), np.concatenate([y_train[keep], y_gen]),
...                             x_test, y_test)
"""

import numpy as np

from keras_vae.models import checks


def small_cnn(image_shape=(28, 28, 1), num_classes=10):
    """Two 3x3 conv + max-pool stages (16, 32 channels), dropout, a softmax layer: 12,810 weights for 28x28."""
    import keras

    return keras.Sequential([
        keras.Input(image_shape),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(num_classes, activation="softmax"),
    ], name="small_cnn")


def fit_classifier(x, y, steps=400, batch_size=64, seed=0, num_classes=10):
    """``small_cnn`` trained for a fixed number of Adam steps (lr 1e-3) on ``(x, y)``; returns the Keras model.

    The number of steps is the same whatever the training set's size, so runs with and
    without generated images get the same compute.

    Args:
        x, y: training images (n, h, w, c) in [0, 1] and integer labels (n,).
        steps: Adam steps.
        batch_size: images per step, from a reshuffled, repeated stream.
        seed: seeds the weights, dropout and the order of examples.
        num_classes: classes of the softmax layer.
    """
    import keras
    import tensorflow as tf

    x = checks.check_images(x, np.shape(x)[1:], (0.0, 1.0))
    y = checks.check_labels(y, num_classes, len(x))
    steps = checks.check_positive_int(steps, "steps")
    keras.utils.set_random_seed(seed)
    model = small_cnn(x.shape[1:], num_classes)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=False)
    ds = (tf.data.Dataset.from_tensor_slices((x, y)).repeat()
          .shuffle(min(len(x), 10_000), seed=seed).batch(batch_size).prefetch(2))
    model.fit(ds, steps_per_epoch=steps, epochs=1, verbose=0)
    return model


def train_classifier(x, y, x_test, y_test, steps=400, batch_size=64, seed=0, num_classes=10):
    """``fit_classifier`` on ``(x, y)``, then its accuracy on ``(x_test, y_test)``."""
    model = fit_classifier(x, y, steps, batch_size, seed, num_classes)
    x_test = checks.check_images(x_test, model.input_shape[1:], (0.0, 1.0))
    y_test = checks.check_labels(y_test, num_classes, len(x_test))
    return float(model.evaluate(x_test, y_test, batch_size=1000, verbose=0)[1])


def posterior_samples(model, x, y, per_image=5, seed=0):
    """``per_image`` variations of each labelled image from an unconditional VAE: decode(z), z ~ q(z|x).

    Returns:
        ``(images (n * per_image, h, w, c) in [0, 1], labels (n * per_image,))``: decoder means,
        each labelled with its source image's label.
    """
    if model.conditional:
        raise ValueError("posterior_samples needs an unconditional VAE: a conditional one would need labels it "
                         "may have been trained on")
    per_image = checks.check_positive_int(per_image, "per_image")
    y = np.asarray(y)
    z_mean, z_log_var = model.encode(x)
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal((per_image,) + z_mean.shape).astype("float32")
    z = (z_mean[None] + np.exp(0.5 * z_log_var)[None] * eps).reshape(-1, model.latent_dim)
    return model.decode(z), np.tile(y, per_image)


def fit_conditional_generator(x, y, num_classes=10, steps=1500, batch_size=64, latent_dim=16, seed=0):
    """A small conditional VAE trained on the labelled images ``(x, y)`` only.

    Dense body (256, 128 units), Bernoulli pixels on images binarised afresh each step
    (as the zoo's recipes train), KL warm-up over the first half of the steps; trained
    with the models' own ``fit`` (the one ELBO train step).

    Returns:
        the trained ``ConditionalVAE``; draw from it with ``model.sample(n, labels)``.
    """
    import keras

    from keras_vae.data.pipeline import epoch_dataset
    from keras_vae.models import ConditionalVAE

    x = checks.check_images(x, np.shape(x)[1:], (0.0, 1.0))
    y = checks.check_labels(y, num_classes, len(x))
    steps = checks.check_positive_int(steps, "steps")
    keras.utils.set_random_seed(seed)
    model = ConditionalVAE(num_classes=num_classes, body="dense", hidden_units=(256, 128), image_shape=x.shape[1:],
                           latent_dim=latent_dim, kl_warmup_steps=steps // 2, seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=False)
    uint8 = np.round(x * 255).astype("uint8")
    # A fresh order and binarisation each pass (the pipeline the zoo trains on), repeated for `steps`.
    ds = epoch_dataset(uint8, y, batch_size, seed, shuffle=True, dynamic=True).repeat()
    model.fit(ds, steps_per_epoch=steps, epochs=1, verbose=0)
    return model


def conditional_samples(model, per_class, classes=None, seed=0):
    """``per_class`` samples of every class from a conditional VAE: ``(images, labels)``."""
    per_class = checks.check_positive_int(per_class, "per_class")
    classes = np.arange(model.num_classes) if classes is None else np.asarray(classes)
    labels = np.repeat(classes, per_class)
    return model.sample(len(labels), labels=labels, seed=seed), labels.astype("int32")


def mean_std(values):
    """``(mean, sample standard deviation)`` of a list of figures (std 0 for one value)."""
    values = np.asarray(values, "float64")
    return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0
