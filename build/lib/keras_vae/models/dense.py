"""Fully connected VAE: MLP encoder and decoder."""

import math

import keras

from keras_vae.models.base import VAE


def dense_encoder_body(images, hidden_units, activation):
    h = keras.layers.Flatten(name="flatten")(images)
    for i, units in enumerate(hidden_units):
        h = keras.layers.Dense(units, activation=activation, name=f"encoder_dense_{i}")(h)
    return h


def dense_decoder_body(features, image_shape, param_channels, hidden_units, activation):
    h = features
    for i, units in enumerate(reversed(hidden_units)):
        h = keras.layers.Dense(units, activation=activation, name=f"decoder_dense_{i}")(h)
    out_shape = tuple(image_shape[:-1]) + (param_channels,)
    h = keras.layers.Dense(math.prod(out_shape), name="decoder_params")(h)
    return keras.layers.Reshape(out_shape, name="params")(h)


@keras.saving.register_keras_serializable(package="keras_vae")
class DenseVAE(VAE):
    """VAE with multilayer-perceptron encoder and decoder.

    Args:
        hidden_units: widths of the encoder's hidden layers; the decoder mirrors them.
        activation: hidden-layer activation.
        **kwargs: ``VAE`` arguments (``image_shape``, ``latent_dim``, ``likelihood``,
            ``beta``, ``kl_warmup_steps``, ``num_classes``, ``seed``).

    Example:
    >>> model = keras_vae.models.DenseVAE(latent_dim=16, hidden_units=(256,))
    >>> model.compile(optimizer="adam")
    >>> model.fit(images, epochs=1)  # images in [0, 1], shape (n, 28, 28, 1)
    >>> model.sample(4).shape
    (4, 28, 28, 1)
    """

    def __init__(self, hidden_units=(512, 256), activation="relu", **kwargs):
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.activation = activation
        super().__init__(**kwargs)

    def encoder_body(self, images):
        return dense_encoder_body(images, self.hidden_units, self.activation)

    def decoder_body(self, features):
        return dense_decoder_body(features, self.image_shape, self.param_channels, self.hidden_units, self.activation)

    def get_config(self):
        return {**super().get_config(), "hidden_units": list(self.hidden_units), "activation": self.activation}
