"""``ConditionalVAE``: the name of a conditional conv or dense VAE, kept for old code and files.

Every family is conditional with ``num_classes=``: ``ConvVAE(num_classes=10, ...)`` is
the conditional VAE of Sohn et al. (2015), whose encoder and decoder both see the label
(a one-hot beside the encoder's features and beside z). ``ConditionalVAE(body=...)``
builds exactly that model, with the same layers and layer names, so the shipped
``cvae_mnist`` weights and ``.keras`` files saved under this name load unchanged.
"""

import keras

from keras_vae.models.conv import ConvVAE
from keras_vae.models.dense import DenseVAE

BODIES = {"conv": ConvVAE, "dense": DenseVAE}


@keras.saving.register_keras_serializable(package="keras_vae")
class ConditionalVAE:
    """``ConvVAE(num_classes=...)`` or ``DenseVAE(num_classes=...)``, chosen by ``body``.

    Calling it returns an instance of that family (so ``isinstance(m, ConditionalVAE)``
    is False; test ``m.conditional`` instead). Its ``get_config`` is the family's, so a
    model saved after loading records the family's name.

    Args:
        num_classes: number of classes; labels are integers in ``[0, num_classes)``.
        body: ``"conv"`` or ``"dense"``.
        **kwargs: the family's arguments (``filters``, ``hidden_units``, ``activation``)
            and ``VAE`` arguments.

    Example:
    >>> model = keras_vae.models.ConditionalVAE(num_classes=10, body="conv", latent_dim=16)
    >>> type(model).__name__, model.conditional
    ('ConvVAE', True)
    """

    def __new__(cls, num_classes=10, body="conv", **kwargs):
        if body not in BODIES:
            raise ValueError(f"Unknown body {body!r}; expected one of {sorted(BODIES)}")
        if num_classes is None:
            raise ValueError("ConditionalVAE needs num_classes")
        if body == "dense" and isinstance(kwargs.get("hidden_units"), int):
            kwargs["hidden_units"] = (kwargs["hidden_units"],)
        if body == "dense":
            kwargs.pop("filters", None)  # the dense body has none; old configs carry the default
        return BODIES[body](num_classes=num_classes, **kwargs)

    @classmethod
    def from_config(cls, config):
        """Rebuilds a model saved under this name (a ``.keras`` file's config)."""
        return cls(**config)

    def get_config(self):  # pragma: no cover - Keras' registry requires it; instances are the family's
        raise NotImplementedError("ConditionalVAE builds a ConvVAE or DenseVAE, whose get_config applies")
