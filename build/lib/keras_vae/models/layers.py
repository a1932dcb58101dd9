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
