"""Training state a model owns, so that every backend and every replica sees the same values.

- ``StepCounter``: optimiser steps taken by the model's ``train_step``. The KL warm-up and
  capacity schedules read it. It is a non-trainable variable of the model, so JAX's
  stateless step carries it in and out like any other state and checkpoints restore it.
- ``ReplicaSeedGenerator``: the model's noise generator. Under ``tf.distribute`` every
  replica holds a copy of the same seed state; this generator folds the replica id into
  the seed it hands out, so replicas draw different noise. Elsewhere it is a plain
  ``keras.random.SeedGenerator`` (JAX's data parallelism draws one global array).
"""

import keras


class StepCounter(keras.layers.Layer):
    """A non-trainable int32 counter of optimiser steps.

    Example:
    >>> counter = StepCounter()
    >>> counter.increment()
    >>> int(counter.value)
    1
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.steps = self.add_weight(
            shape=(), dtype="int32", initializer="zeros", trainable=False,
            aggregation="only_first_replica", name="steps",
        )
        self.built = True

    @property
    def value(self):
        return self.steps.value

    def increment(self):
        self.steps.assign(self.steps.value + 1)

    def load_own_variables(self, store):
        # Weight files written before the counter existed hold no entry for it: start at 0.
        if len(store.keys()) == 0:
            return
        super().load_own_variables(store)


class ReplicaSeedGenerator(keras.random.SeedGenerator):
    """A ``SeedGenerator`` whose seeds differ per ``tf.distribute`` replica.

    The replica id is added to the seed's first component (the second one counts draws),
    so replica r's stream never repeats another replica's draws.

    Example:
    >>> generator = ReplicaSeedGenerator(1)
    >>> eps = keras.random.normal((4, 2), seed=generator)
    """

    def next(self, ordered=True):
        seed = super().next(ordered)
        if keras.backend.backend() != "tensorflow":
            return seed
        import tensorflow as tf

        context = tf.distribute.get_replica_context()
        if context is None or context.num_replicas_in_sync == 1:
            return seed
        replica = tf.cast(context.replica_id_in_sync_group, seed.dtype)
        return seed + tf.stack([replica, tf.zeros_like(replica)])
