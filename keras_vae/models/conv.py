"""Convolutional VAE: strided convolutions down, transposed convolutions up."""

import keras

from keras_vae.models.base import VAE


def conv_encoder_body(images, filters, hidden_units, activation):
    h = images
    for i, f in enumerate(filters):
        h = keras.layers.Conv2D(f, 3, strides=2, padding="same", activation=activation, name=f"encoder_conv_{i}")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    if hidden_units:
        h = keras.layers.Dense(hidden_units, activation=activation, name="encoder_dense")(h)
    return h


def conv_decoder_features(features, image_shape, filters, hidden_units, activation):
    """Latent features -> full-resolution feature maps (height, width, filters[0]) of the transposed convolutions."""
    if len(image_shape) != 3:
        raise ValueError(f"conv bodies take images (height, width, channels), got image_shape {tuple(image_shape)}")
    height, width = image_shape[0], image_shape[1]
    scale = 2 ** len(filters)
    if height % scale or width % scale:
        raise ValueError(f"image sides {height}x{width} must be divisible by 2**len(filters) = {scale}")
    h = features
    if hidden_units:
        h = keras.layers.Dense(hidden_units, activation=activation, name="decoder_dense")(h)
    base = (height // scale, width // scale, filters[-1])
    h = keras.layers.Dense(base[0] * base[1] * base[2], activation=activation, name="decoder_project")(h)
    h = keras.layers.Reshape(base, name="decoder_reshape")(h)
    for i, f in enumerate(reversed(filters)):
        h = keras.layers.Conv2DTranspose(
            f, 3, strides=2, padding="same", activation=activation, name=f"decoder_deconv_{i}"
        )(h)
    return h


def conv_decoder_body(features, image_shape, param_channels, filters, hidden_units, activation):
    h = conv_decoder_features(features, image_shape, filters, hidden_units, activation)
    return keras.layers.Conv2DTranspose(param_channels, 3, padding="same", name="params")(h)


@keras.saving.register_keras_serializable(package="keras_vae")
class ConvVAE(VAE):
    """VAE with a convolutional encoder and a transposed-convolution decoder.

    With ``filters=(32, 64)``, ``hidden_units=16`` and ``latent_dim=2`` this is the
    architecture of the keras.io VAE example.

    Args:
        filters: channels of each stride-2 encoder convolution; the decoder mirrors them.
        hidden_units: width of the dense layer between convolutions and latent heads
            (0 for none).
        activation: hidden activation.
        **kwargs: ``VAE`` arguments.

    Example:
    >>> model = keras_vae.models.ConvVAE(latent_dim=2, filters=(32, 64), hidden_units=16)
    >>> z_mean, z_log_var = model.encode(images)
    """

    def __init__(self, filters=(32, 64), hidden_units=256, activation="relu", **kwargs):
        self.filters = tuple(int(f) for f in filters)
        self.hidden_units = int(hidden_units)
        self.activation = activation
        super().__init__(**kwargs)

    def encoder_body(self, images):
        return conv_encoder_body(images, self.filters, self.hidden_units, self.activation)

    def decoder_body(self, features):
        return conv_decoder_body(
            features, self.image_shape, self.param_channels, self.filters, self.hidden_units, self.activation
        )

    def get_config(self):
        return {
            **super().get_config(),
            "filters": list(self.filters),
            "hidden_units": self.hidden_units,
            "activation": self.activation,
        }
