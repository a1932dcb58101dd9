"""Conditional VAE (Sohn et al. 2015): encoder and decoder both see the class label."""

import keras

from keras_vae.models.base import VAE
from keras_vae.models.conv import conv_decoder_body, conv_encoder_body
from keras_vae.models.dense import dense_decoder_body, dense_encoder_body


@keras.saving.register_keras_serializable(package="keras_vae")
class ConditionalVAE(VAE):
    """A VAE of q(z|x, y) and p(x|z, y), with a dense or convolutional body.

    The label enters as a one-hot vector beside the encoder's features and beside z in
    the decoder. ``log_likelihood(x, labels)`` then estimates log p(x|y).

    Args:
        num_classes: number of classes; labels are integers in ``[0, num_classes)``.
        body: ``"conv"`` or ``"dense"``.
        filters: conv body only, channels of the stride-2 convolutions.
        hidden_units: conv body: width of its dense layer (an int); dense body: widths
            of its hidden layers (a list).
        activation: hidden activation.
        **kwargs: ``VAE`` arguments.

    Example:
    >>> model = keras_vae.models.ConditionalVAE(num_classes=10, body="conv", latent_dim=16)
    >>> model.sample(10, labels=list(range(10))).shape
    (10, 28, 28, 1)
    """

    def __init__(self, num_classes=10, body="conv", filters=(32, 64), hidden_units=256, activation="relu", **kwargs):
        if body not in ("conv", "dense"):
            raise ValueError(f"Unknown body {body!r}; expected 'conv' or 'dense'")
        if num_classes is None:
            raise ValueError("ConditionalVAE needs num_classes")
        self.body = body
        self.filters = tuple(int(f) for f in filters)
        if body == "dense":
            hidden_units = (hidden_units,) if isinstance(hidden_units, int) else tuple(int(u) for u in hidden_units)
        self.hidden_units = hidden_units
        self.activation = activation
        super().__init__(num_classes=num_classes, **kwargs)

    def encoder_body(self, images):
        if self.body == "dense":
            return dense_encoder_body(images, self.hidden_units, self.activation)
        return conv_encoder_body(images, self.filters, self.hidden_units, self.activation)

    def decoder_body(self, features):
        if self.body == "dense":
            return dense_decoder_body(
                features, self.image_shape, self.param_channels, self.hidden_units, self.activation
            )
        return conv_decoder_body(
            features, self.image_shape, self.param_channels, self.filters, self.hidden_units, self.activation
        )

    def get_config(self):
        hidden = list(self.hidden_units) if isinstance(self.hidden_units, tuple) else self.hidden_units
        return {
            **super().get_config(),
            "body": self.body,
            "filters": list(self.filters),
            "hidden_units": hidden,
            "activation": self.activation,
        }
