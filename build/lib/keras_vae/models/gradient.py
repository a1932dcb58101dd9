"""The one backend-specific piece of training: differentiate a loss and apply it.

Everything else in the models is written in ``keras.ops``; adding a backend means
adding a branch here.
"""

import keras


def gradient_step(model, loss_fn):
    """Runs ``loss_fn() -> (loss, aux)``, applies its gradient, returns ``(loss, aux)``."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss, aux = loss_fn()
        variables = model.trainable_variables
        grads = tape.gradient(loss, variables)
        model.optimizer.apply(grads, variables)
        return loss, aux
    raise NotImplementedError(
        f"keras_vae trains with the TensorFlow backend only (KERAS_BACKEND={backend!r}); "
        "inference methods work on any backend"
    )
