"""The one backend-specific piece of training: Keras' three documented train_step patterns.

A model supplies, in backend-neutral ``keras.ops``:

- ``training_loss(data) -> (loss, aux)``: the loss to minimise (reads ``self.step_counter``
  for its schedules, draws noise from ``self.seed_generator``);
- ``evaluation_loss(data) -> (loss, aux)``: the test objective;
- ``record_metrics(loss, aux) -> logs``: updates the model's metrics.

``TrainStep`` is the mixin for the backend Keras runs on, chosen once at import like Keras'
own trainer: ``tf.GradientTape`` (TensorFlow), ``jax.value_and_grad`` over a stateless
scope that returns the new state (JAX), ``loss.backward()`` (PyTorch). Each step then
increments the model's step counter, so the KL schedules advance alike on every backend.

Distribution: under ``tf.distribute`` each replica sees its share of the global batch and
the optimiser sums the replicas' gradients, so the loss is divided by the number of
replicas (the gradient is then the global batch's mean, as on one device). Under JAX's
``keras.distribution.DataParallel`` the arrays are global and the mean is already the
global one.
"""

import warnings

import keras


def _values(variables, scope):
    return [scope.get_current_value(v) for v in variables]


def _apply(model, grads, variables, apply):
    """``apply(grads)`` with None for the variables the model holds frozen (``frozen_variables``).

    The optimizer skips a variable whose gradient is None, its momentum included; a zero
    gradient (what JAX gives for a variable the loss does not read) would still move it
    by the momentum it has, as Adam does for dozens of steps.
    """
    frozen = {id(v) for v in model.frozen_variables()}
    if not frozen:
        return apply(grads)
    grads = [None if id(v) in frozen else g for g, v in zip(grads, variables)]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Gradients do not exist for variables")
        return apply(grads)


class TensorFlowTrainStep:
    """``tf.GradientTape`` (keras.io: "Customizing what happens in fit() with TensorFlow")."""

    def train_step(self, data):
        import tensorflow as tf

        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as tape:
            loss, aux = self.training_loss(data)
            scaled = loss / replicas if replicas > 1 else loss
        variables = self.trainable_variables
        _apply(self, tape.gradient(scaled, variables), variables, lambda g: self.optimizer.apply(g, variables))
        self.step_counter.increment()
        return _multi_worker_logs(self.record_metrics(loss, aux))

    def test_step(self, data):
        loss, aux = self.evaluation_loss(data)
        return _multi_worker_logs(self.record_metrics(loss, aux))


def _multi_worker_logs(logs):
    """Gives each log a batch axis under MultiWorkerMirroredStrategy.

    Keras reduces a multi-worker step's logs with ``strategy.reduce("MEAN", v, axis=0)``,
    which fails on scalars ("Invalid reduction dimension 0", tensorflow#72388); a (1,)
    shape reduces to the scalar mean over replicas. Elsewhere the logs stay scalars.
    """
    import tensorflow as tf

    if not isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
        return logs
    return {name: tf.reshape(value, (1,)) for name, value in logs.items()}


class JaxTrainStep:
    """Stateless: state in, ``(logs, new state)`` out (keras.io: "... fit() with JAX")."""

    def _stateless(self, fn, pairs):
        with keras.StatelessScope(state_mapping=pairs) as scope:
            out = fn()
        return out, scope

    def train_step(self, state, data):
        import jax

        trainable, non_trainable, optimizer_vars, metric_vars = state

        def loss_fn(trainable, non_trainable):
            pairs = list(zip(self.trainable_variables, trainable)) + list(zip(self.non_trainable_variables, non_trainable))
            (loss, aux), scope = self._stateless(lambda: self.training_loss(data), pairs)
            return loss, (aux, _values(self.non_trainable_variables, scope))

        (loss, (aux, non_trainable)), grads = jax.value_and_grad(loss_fn, has_aux=True)(trainable, non_trainable)
        trainable, optimizer_vars = _apply(
            self, grads, self.trainable_variables, lambda g: self.optimizer.stateless_apply(optimizer_vars, g, trainable)
        )

        def bookkeeping():
            self.step_counter.increment()
            return self.record_metrics(loss, aux)

        pairs = list(zip(self.non_trainable_variables, non_trainable)) + list(zip(self.metrics_variables, metric_vars))
        logs, scope = self._stateless(bookkeeping, pairs)
        new_state = (
            trainable,
            _values(self.non_trainable_variables, scope),
            optimizer_vars,
            _values(self.metrics_variables, scope),
        )
        return logs, new_state

    def test_step(self, state, data):
        trainable, non_trainable, metric_vars = state
        pairs = (
            list(zip(self.trainable_variables, trainable))
            + list(zip(self.non_trainable_variables, non_trainable))
            + list(zip(self.metrics_variables, metric_vars))
        )
        logs, scope = self._stateless(lambda: self.record_metrics(*self.evaluation_loss(data)), pairs)
        return logs, (trainable, _values(self.non_trainable_variables, scope), _values(self.metrics_variables, scope))


class TorchTrainStep:
    """``loss.backward()`` (keras.io: "Customizing what happens in fit() with PyTorch")."""

    def train_step(self, data):
        import torch

        self.zero_grad()
        loss, aux = self.training_loss(data)
        loss.backward()
        variables = self.trainable_variables
        with torch.no_grad():
            _apply(self, [v.value.grad for v in variables], variables, lambda g: self.optimizer.apply(g, variables))
            self.step_counter.increment()
            return self.record_metrics(loss, aux)

    def test_step(self, data):
        loss, aux = self.evaluation_loss(data)
        return self.record_metrics(loss, aux)


class UnsupportedTrainStep:
    """Other backends (numpy, openvino) run the inference methods but cannot train."""

    def train_step(self, *args):
        raise NotImplementedError(
            f"keras_vae trains on tensorflow, jax or torch; KERAS_BACKEND={keras.backend.backend()!r}"
        )

    test_step = train_step


_STEPS = {"tensorflow": TensorFlowTrainStep, "jax": JaxTrainStep, "torch": TorchTrainStep}
TrainStep = _STEPS.get(keras.backend.backend(), UnsupportedTrainStep)
