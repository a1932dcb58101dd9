"""Small layers shared by the model families."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_vae")
class OneHot(keras.layers.Layer):
    """Integer class ids of shape (batch,) -> float one-hot of shape (batch, num_classes)."""

    def __init__(self, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)

    def call(self, labels):
        return ops.one_hot(ops.cast(labels, "int32"), self.num_classes, dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.num_classes,)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


@keras.saving.register_keras_serializable(package="keras_vae")
class DimensionMask(keras.layers.Layer):
    """Multiplies its input's last axis by a stored 0/1 mask: the dimensions a network may read.

    The mask is a non-trainable weight (saved with the model, a constant in exports), all
    ones until ``set_mask`` changes it. ``M1+M2`` uses it to hide the inactive dimensions of
    M1's code (those left at the prior, whose draws are noise) from M2's inference networks.

    Args:
        size: length of the last axis.

    Example:
    >>> mask = DimensionMask(3)
    >>> mask.set_mask([1.0, 0.0, 1.0])
    >>> mask(np.ones((2, 3), "float32"))  # [[1, 0, 1], [1, 0, 1]]
    """

    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        # Under tf.distribute every replica sees its own batch: the first replica's mask is kept.
        self.mask = self.add_weight(
            shape=(self.size,), initializer="ones", trainable=False, aggregation="only_first_replica", name="mask"
        )

    def set_mask(self, mask):
        self.mask.assign(ops.cast(mask, self.mask.dtype))

    def call(self, x):
        return x * ops.cast(self.mask, x.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "size": self.size}
