"""The shared VAE: ELBO training, metrics in nats, and the inference API.

A family subclass only supplies ``encoder_body`` (image -> flat features) and
``decoder_body`` (latent features -> likelihood parameters). Conditioning on a class
label, the Gaussian posterior heads, the loss and every public method live here.
"""

import math

import keras
import numpy as np
from keras import ops

from keras_vae import likelihoods as likelihoods_lib
from keras_vae.models import checks, fitting
from keras_vae.models.gradient import TrainStep
from keras_vae.models.layers import OneHot
from keras_vae.models.state import ReplicaSeedGenerator, StepCounter

# Decoder evaluations per chunk of ``posterior_draws``: bounds memory for any number of samples.
DECODES_PER_CHUNK = 8192


def _unpack(data):
    if isinstance(data, (tuple, list)):
        if len(data) == 1:
            return data[0], None
        return data[0], data[1]
    if isinstance(data, dict):
        return data["image"], data.get("label")
    return data, None


class VAE(TrainStep, keras.Model):
    """Base class of every keras_vae model.

    Args:
        image_shape: shape of one image, ``(height, width, channels)``.
        latent_dim: size of the latent code z.
        likelihood: ``"bernoulli"``, ``"gaussian"`` or a ``keras_vae.likelihoods`` object.
        beta: weight of the KL term in the training loss (1.0 gives the ELBO).
        kl_warmup_steps: if > 0, the KL weight rises linearly from 0 to ``beta`` over
            this many optimiser steps.
        capacity: if set (nats), train with the capacity-annealed objective of Burgess
            et al. (2018), ``E[-log p(x|z)] + beta * |KL - C|``, where the target ``C``
            rises linearly from 0 to ``capacity`` over ``capacity_steps`` steps; ``beta``
            then plays the paper's gamma.
        capacity_steps: optimiser steps over which ``C`` reaches ``capacity``.
        free_nats: if > 0, the KL term of the training loss is ``max(mean KL, free_nats)``
            over the batch (free bits, Kingma et al. 2016, with one group): the first
            ``free_nats`` of information in z cost nothing, so a strong (autoregressive)
            decoder cannot win by ignoring z early in training. Reported metrics keep the
            true KL, so the ELBO stays a bound.
        num_classes: if set, encoder and decoder are both conditioned on an integer
            class label in ``[0, num_classes)``.
        seed: seed of the generator that draws the reparameterisation noise.
    """

    def __init__(
        self,
        image_shape=(28, 28, 1),
        latent_dim=32,
        likelihood="bernoulli",
        beta=1.0,
        kl_warmup_steps=0,
        num_classes=None,
        seed=None,
        capacity=None,
        capacity_steps=10000,
        free_nats=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(d) for d in image_shape)
        if not self.image_shape or any(d < 1 for d in self.image_shape):
            raise ValueError(f"image_shape must be a non-empty shape of positive sizes, got {image_shape}")
        self.latent_dim = checks.check_positive_int(latent_dim, "latent_dim")
        self.likelihood = likelihoods_lib.get(likelihood)
        if beta < 0:
            raise ValueError(f"beta must be >= 0, got {beta}")
        self.beta = float(beta)
        self.kl_warmup_steps = int(kl_warmup_steps)
        if capacity is not None and capacity < 0:
            raise ValueError(f"capacity must be >= 0 nats, got {capacity}")
        self.capacity = None if capacity is None else float(capacity)
        self.capacity_steps = checks.check_positive_int(capacity_steps, "capacity_steps")
        if free_nats < 0 or (free_nats and capacity is not None):
            raise ValueError(f"free_nats must be >= 0 and is not combined with capacity, got {free_nats}")
        self.free_nats = float(free_nats)
        self.num_classes = None if num_classes is None else checks.check_positive_int(num_classes, "num_classes")
        self.seed = seed
        self.seed_generator = ReplicaSeedGenerator(seed, name="noise_seed")
        self.step_counter = StepCounter(name="step_counter")  # drives the KL schedules on every backend

        self.encoder = self._build_encoder()
        self.decoder = self._build_decoder()

        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")
        self.elbo_tracker = keras.metrics.Mean(name="elbo")
        self.built = True

    # ----- architecture -------------------------------------------------------------
    @property
    def conditional(self):
        return self.num_classes is not None

    @property
    def event_ndims(self):
        """Axes of one example (3 for images); the likelihood sums log-densities over them."""
        return len(self.image_shape)

    def log_px(self, x, params):
        """log p(x|z) per example from decoder parameters, in nats (broadcasts over leading axes)."""
        return self.likelihood.log_prob(x, params, event_ndims=self.event_ndims)

    @property
    def param_channels(self):
        """Channels the decoder body must emit: image channels x likelihood parameters."""
        return self.image_shape[-1] * self.likelihood.param_channels

    def encoder_body(self, images):
        """Maps an image tensor to flat features. Implemented by each family."""
        raise NotImplementedError

    def decoder_body(self, features):
        """Maps flat features to likelihood parameters of shape (h, w, param_channels).

        A family whose ``context_input`` is not None receives the context tensor as a
        second argument: ``decoder_body(features, context)``.
        """
        raise NotImplementedError

    # ----- decoder context: the data a decoder sees besides z (None for most families) -----
    def context_input(self):
        """A ``keras.Input`` for the decoder's context, or None (the decoder sees z alone).

        An autoregressive decoder (``SequenceVAE``'s GRU, a PixelCNN) models x one element at
        a time given the previous ones; in training it reads them from the data (teacher
        forcing). Such a family returns the context's input here and derives it from x in
        ``decoder_context``; ``bound_terms``, ``posterior_draws`` and ``call`` pass it on, so
        the one training step, ``elbo`` and the IWAE ``log_likelihood`` need nothing else.
        """
        return None

    def decoder_context(self, x):
        """The decoder's context for data ``x`` (e.g. x shifted right by one), or None."""
        return None

    def _label_input(self):
        return keras.Input(shape=(), dtype="int32", name="label")

    def _build_encoder(self):
        image = keras.Input(shape=self.image_shape, name="image")
        inputs, h = [image], self.encoder_body(image)
        if self.conditional:
            label = self._label_input()
            inputs.append(label)
            h = keras.layers.Concatenate(name="encoder_condition")([h, OneHot(self.num_classes)(label)])
        z_mean = keras.layers.Dense(self.latent_dim, name="z_mean")(h)
        z_log_var = keras.layers.Dense(self.latent_dim, name="z_log_var")(h)
        return keras.Model(inputs, [z_mean, z_log_var], name="encoder")

    def _build_decoder(self):
        z = keras.Input(shape=(self.latent_dim,), name="z")
        inputs, h = [z], z
        if self.conditional:
            label = self._label_input()
            inputs.append(label)
            h = keras.layers.Concatenate(name="decoder_condition")([z, OneHot(self.num_classes)(label)])
        context = self.context_input()
        if context is None:
            return keras.Model(inputs, self.decoder_body(h), name="decoder")
        return keras.Model(inputs + [context], self.decoder_body(h, context), name="decoder")

    def _model_inputs(self, first, labels):
        # Functional sub-models take a list matching their inputs; numpy becomes tensors
        # here so that a numpy label never meets a tensor latent in one call.
        first = ops.convert_to_tensor(first)
        if not self.conditional:
            return [first]
        return [first, ops.convert_to_tensor(labels, "int32")]

    # ----- the posterior primitive (tensors in, tensors out, no input checks) -----------
    def posterior(self, x, labels=None, training=False):
        """Parameters of the Gaussian posterior q(z|x[, y]) as tensors.

        This, ``decode_params``, ``reparameterize`` and ``posterior_draws`` are the one
        implementation of the model's sampling maths: ``elbo``, ``log_likelihood``, the
        training loss, ``keras_vae.tasks.uncertainty`` and the export scorer all use them.
        They take tensors (or arrays) of a batch and do no validation; the numpy API
        (``encode``, ``decode``, ...) checks its inputs first.

        Args:
            x: a batch of examples, shape (batch, *image_shape).
            labels: int class ids of shape (batch,), for conditional models.
            training: passed to the encoder's layers.

        Returns:
            ``(z_mean, z_log_var)``, each (batch, latent_dim).

        Example:
        >>> z_mean, z_log_var = model.posterior(images)
        """
        return self.encoder(self._model_inputs(x, labels), training=training)

    def decode_params(self, z, labels=None, training=False, context=None):
        """Likelihood parameters of p(x|z[, y]) (logits for Bernoulli), shape (batch, *image_shape[:-1], param_channels).

        ``context``: the decoder's context (``decoder_context(x)``) for families that have one.

        Example:
        >>> image_mean = model.likelihood.mean(model.decode_params(z))
        """
        inputs = self._model_inputs(z, labels)
        if context is not None:
            inputs.append(ops.convert_to_tensor(context))
        return self.decoder(inputs, training=training)

    def reparameterize(self, z_mean, z_log_var, noise=None, seed=None):
        """``z = z_mean + exp(z_log_var / 2) * noise``; noise ~ N(0, I) from ``seed`` when not given.

        Args:
            z_mean, z_log_var: posterior parameters (any matching shapes).
            noise: standard-normal noise of that shape, or None to draw it.
            seed: int or ``keras.random.SeedGenerator`` for the draw (default: the
                model's own generator).
        """
        if noise is None:
            noise = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator if seed is None else seed)
        return z_mean + ops.exp(0.5 * z_log_var) * noise

    def posterior_draws(self, x, labels=None, samples=1, seed=None, posterior=None):
        """Decodes ``samples`` draws z ~ q(z|x[, y]) per example, in chunks of bounded memory.

        The one chunked importance-sampling generator: each chunk holds at most
        ``DECODES_PER_CHUNK`` decoder evaluations, whatever ``samples`` is.

        Args:
            x: a batch of examples (batch, *image_shape).
            labels: class ids (batch,) for conditional models.
            samples: draws per example.
            seed: int or ``keras.random.SeedGenerator`` of the draws.
            posterior: ``(z_mean, z_log_var)`` if already computed.

        Yields:
            ``(z, params)`` per chunk: z of shape (chunk, batch, latent_dim) and the
            decoder's parameters of shape (chunk, batch, ...).

        Example:
        >>> for z, params in model.posterior_draws(x, samples=100, seed=0):
        ...     log_w = model.log_weights(x, z, params, *model.posterior(x))
        """
        z_mean, z_log_var = self.posterior(x, labels) if posterior is None else posterior
        generator = self.seed_generator if seed is None else seed
        if isinstance(generator, int):
            generator = keras.random.SeedGenerator(generator)
        b = int(ops.shape(z_mean)[0])
        context = self.decoder_context(x)
        chunk = max(1, min(samples, DECODES_PER_CHUNK // max(b, 1)))
        for start in range(0, samples, chunk):
            kc = min(chunk, samples - start)
            eps = keras.random.normal((kc, b, self.latent_dim), seed=generator)
            z = self.reparameterize(z_mean[None], z_log_var[None], eps)
            yield z, self._decode_draws(z, labels, context)

    def _decode_draws(self, z, labels, context):
        """Decoder parameters (samples, batch, ...) of draws z (samples, batch, latent_dim)."""
        kc, b = ops.shape(z)[0], ops.shape(z)[1]
        # Labels and the decoder's context repeat once per draw, matching the (draw, example)
        # order of the reshape.
        flat_y = None if labels is None else ops.tile(ops.convert_to_tensor(labels, "int32"), [kc])
        flat_context = None if context is None else ops.tile(context, [kc] + [1] * (len(context.shape) - 1))
        params = self.decode_params(ops.reshape(z, (kc * b, self.latent_dim)), flat_y, context=flat_context)
        return ops.reshape(params, (kc, b) + tuple(params.shape[1:]))

    @property
    def noise_dim(self):
        """Standard-normal numbers per importance sample in ``importance_log_weights``: the latent size."""
        return self.latent_dim

    def importance_log_weights(self, x, labels, noise):
        """Importance log-weights (samples, batch) of the draws that ``noise`` makes from q(z|x[, y]).

        ``log p(x[|y], z) - log q(z|x[, y])`` at ``z = z_mean + sigma * noise``: the one function
        of given noise that the fast IWAE engines (``keras_vae.importance``) compile, so a
        family with more than one latent layer says how its noise maps to its draws here.

        Args:
            x: a batch (batch, *image_shape).
            labels: class ids (batch,) for conditional models, else None.
            noise: standard-normal noise (samples, batch, noise_dim).

        Example:
        >>> log_w = model.importance_log_weights(x, None, np.random.default_rng(0).standard_normal(
        ...     (100, len(x), model.noise_dim)).astype("float32"))
        """
        z_mean, z_log_var = self.posterior(x, labels)
        z = self.reparameterize(z_mean[None], z_log_var[None], noise)
        params = self._decode_draws(z, labels, self.decoder_context(x))
        return self.log_weights(x, z, params, z_mean, z_log_var)

    def log_weights(self, x, z, params, z_mean, z_log_var):
        """Importance log-weights ``log p(x|z) + log p(z) - log q(z|x)`` of draws with leading sample axes.

        Args:
            x: the examples (batch, ...); broadcast against the draws' leading axis.
            z: draws (samples, batch, latent_dim).
            params: their decoder parameters (samples, batch, ...).
            z_mean, z_log_var: the posterior (batch, latent_dim).
        """
        return (
            self.log_px(x[None], params)
            + likelihoods_lib.standard_normal_log_prob(z)
            - likelihoods_lib.diagonal_normal_log_prob(z, z_mean[None], z_log_var[None])
        )

    def bound_terms(self, x, labels=None, training=False, noise=None, seed=None, posterior=None):
        """One-sample ELBO pieces per example: ``(-log p(x|z), KL(q(z|x)||p(z)), params)``.

        Args:
            x, labels: a batch and its class ids (conditional models).
            training: passed to the layers.
            noise: the reparameterisation noise (zeros: the posterior mean), or None to draw it.
            seed: int or ``SeedGenerator`` for that draw (default: the model's generator).
            posterior: ``(z_mean, z_log_var)`` if already computed.
        """
        z_mean, z_log_var = self.posterior(x, labels, training) if posterior is None else posterior
        z = self.reparameterize(z_mean, z_log_var, noise=noise, seed=seed)
        params = self.decode_params(z, labels, training, context=self.decoder_context(x))
        return -self.log_px(x, params), likelihoods_lib.gaussian_kl(z_mean, z_log_var), params

    # ----- the objective --------------------------------------------------------------
    def elbo_terms(self, x, labels=None, training=False):
        """Per-example ``(-log p(x|z), KL(q(z|x)||p(z)))`` with one reparameterised draw."""
        reconstruction, kl, _ = self.bound_terms(x, labels, training=training)
        return reconstruction, kl

    def kl_weight(self, step):
        """beta, ramped linearly from 0 over ``kl_warmup_steps`` optimiser steps."""
        if self.kl_warmup_steps <= 0:
            return ops.convert_to_tensor(self.beta, "float32")
        progress = ops.cast(step + 1, "float32") / float(self.kl_warmup_steps)
        return self.beta * ops.minimum(progress, 1.0)

    def kl_penalty(self, kl, step):
        """The KL part of the training loss for a batch of per-example KLs."""
        weight = self.kl_weight(step)
        if self.capacity is None:
            return weight * ops.maximum(ops.mean(kl), self.free_nats)
        progress = ops.minimum(ops.cast(step + 1, "float32") / float(self.capacity_steps), 1.0)
        return weight * ops.abs(ops.mean(kl) - self.capacity * progress)

    def _update_metrics(self, loss, reconstruction, kl):
        self.loss_tracker.update_state(loss)
        self.reconstruction_tracker.update_state(ops.mean(reconstruction))
        self.kl_tracker.update_state(ops.mean(kl))
        self.elbo_tracker.update_state(-ops.mean(reconstruction + kl))
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_tracker, self.kl_tracker, self.elbo_tracker]

    # train_step/test_step come from TrainStep (keras_vae.models.gradient), one per backend,
    # over these three backend-neutral hooks.
    def training_loss(self, data):
        """``(loss, aux)``: the annealed negative ELBO of a batch, scheduled by ``step_counter``."""
        x, labels = _unpack(data)
        reconstruction, kl = self.elbo_terms(x, labels, training=True)
        return ops.mean(reconstruction) + self.kl_penalty(kl, self.step_counter.value), (reconstruction, kl)

    def evaluation_loss(self, data):
        """``(loss, aux)`` of a test batch: the beta-weighted negative ELBO, no schedule."""
        x, labels = _unpack(data)
        reconstruction, kl = self.elbo_terms(x, labels, training=False)
        return ops.mean(reconstruction + self.beta * kl), (reconstruction, kl)

    def record_metrics(self, loss, aux):
        """Updates the metrics from a step's loss and aux; returns the logs."""
        return self._update_metrics(loss, *aux)

    def frozen_variables(self):
        """Trainable variables the optimizer leaves alone in the current phase; none here."""
        return []

    def training_callbacks(self):
        """Callbacks that are part of this model's training (schedules of its own); none here."""
        return []

    def fit(self, x=None, y=None, *args, callbacks=None, **kwargs):
        """``keras.Model.fit`` with the inputs checked like ``encode``'s and a NaN guard.

        See ``keras_vae.models.fitting``: wrong shapes, integer pixels or values outside
        the likelihood's range are refused; a NaN loss stops training with a warning.
        """
        x, y = fitting.check_fit_data(self, x, y)
        callbacks = fitting.with_nan_guard([*self.training_callbacks(), *(callbacks or [])])
        history = super().fit(x, y, *args, callbacks=callbacks, **kwargs)
        fitting.warn_if_diverged(history)
        return history

    def call(self, inputs, training=False):
        """Deterministic reconstruction: decode the posterior mean of ``inputs``."""
        x, labels = _unpack(inputs)
        z_mean, _ = self.posterior(x, labels, training=training)
        params = self.decode_params(z_mean, labels, training=training, context=self.decoder_context(x))
        return self.likelihood.mean(params)

    # ----- public inference API (numpy in, numpy out, validated) --------------------------
    def _check(self, x, labels):
        return checks.check_model_inputs(self, x, labels)

    def _batches(self, n, batch_size):
        return checks.batch_slices(n, batch_size)

    def encode(self, x, labels=None, batch_size=512):
        """Posterior parameters ``(z_mean, z_log_var)``, each of shape (batch, latent_dim).

        Example:
        >>> z_mean, z_log_var = model.encode(images)  # images: (n, 28, 28, 1) in [0, 1]
        """
        x, labels = self._check(x, labels)
        means, log_vars = [], []
        for s in self._batches(len(x), batch_size):
            m, lv = self.posterior(x[s], None if labels is None else labels[s])
            means.append(ops.convert_to_numpy(m))
            log_vars.append(ops.convert_to_numpy(lv))
        empty = np.zeros((0, self.latent_dim), "float32")
        return (np.concatenate(means) if means else empty, np.concatenate(log_vars) if log_vars else empty)

    def decode(self, z, labels=None, batch_size=512):
        """Mean image E[x|z] (pixel probabilities for a Bernoulli model), shape (batch, *image_shape)."""
        z = checks.check_latents(z, self.latent_dim)
        labels = checks.check_labels(labels, self.num_classes, len(z))
        out = []
        for s in self._batches(len(z), batch_size):
            params = self.decode_params(z[s], None if labels is None else labels[s])
            out.append(ops.convert_to_numpy(self.likelihood.mean(params)))
        return np.concatenate(out) if out else np.zeros((0,) + self.image_shape, "float32")

    def reconstruct(self, x, labels=None, batch_size=512):
        """Decodes the posterior mean of each image."""
        z_mean, _ = self.encode(x, labels, batch_size)
        return self.decode(z_mean, labels, batch_size)

    def sample(self, n, labels=None, seed=None):
        """Draws ``n`` images from the model: z ~ N(0, I), then the decoder's mean.

        For a conditional model ``labels`` defaults to ``0, 1, ..., num_classes-1, 0, ...``.

        Example:
        >>> images = model.sample(16, seed=0)  # (16, 28, 28, 1)
        """
        n = checks.check_sample_count(n, self.image_shape)
        seed = checks.check_seed(seed)
        if self.conditional and labels is None:
            labels = np.arange(n) % self.num_classes
        z = keras.random.normal((n, self.latent_dim), seed=seed)
        return self.decode(ops.convert_to_numpy(z), labels)

    def elbo(self, x, labels=None, seed=0, batch_size=512):
        """Single-sample ELBO estimate per example, in nats (higher is better)."""
        x, labels = self._check(x, labels)
        checks.check_not_empty(x)
        generator = checks.seed_generator(seed)
        out = []
        for s in self._batches(len(x), batch_size):
            reconstruction, kl, _ = self.bound_terms(x[s], None if labels is None else labels[s], seed=generator)
            out.append(ops.convert_to_numpy(-(reconstruction + kl)))
        return np.concatenate(out) if out else np.zeros((0,), "float32")

    def log_likelihood(self, x, labels=None, k=1000, batch_size=64, seed=0):
        """Importance-weighted (IWAE, Burda et al. 2015) estimate of log p(x) per example, in nats.

        ``log p(x) ~= logsumexp_i [log p(x|z_i) + log p(z_i) - log q(z_i|x)] - log k`` with
        ``z_i ~ q(z|x)``. The k samples are processed in chunks with a running logsumexp,
        so memory stays bounded for any k (k=5000 included). For a conditional model
        this is log p(x|y).

        Args:
            x: images of shape (batch, *image_shape).
            labels: class ids, for conditional models.
            k: importance samples per example; the bound tightens as k grows.
            batch_size: examples encoded together.
            seed: seed of the importance samples, for reproducible figures.
        """
        x, labels = self._check(x, labels)
        checks.check_not_empty(x)
        k = checks.check_importance_samples(k)
        generator = checks.seed_generator(seed)
        out = []
        for s in self._batches(len(x), batch_size):
            xb, yb = x[s], None if labels is None else labels[s]
            posterior = self.posterior(xb, yb)
            total = None
            for z, params in self.posterior_draws(xb, yb, samples=k, seed=generator, posterior=posterior):
                part = ops.logsumexp(self.log_weights(xb, z, params, *posterior), axis=0)
                total = part if total is None else ops.logaddexp(total, part)
            out.append(ops.convert_to_numpy(total) - math.log(k))
        return np.concatenate(out) if out else np.zeros((0,), "float32")

    # ----- serialisation ----------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update(
            image_shape=list(self.image_shape),
            latent_dim=self.latent_dim,
            likelihood=likelihoods_lib.serialize(self.likelihood),
            beta=self.beta,
            kl_warmup_steps=self.kl_warmup_steps,
            capacity=self.capacity,
            capacity_steps=self.capacity_steps,
            free_nats=self.free_nats,
            num_classes=self.num_classes,
            seed=self.seed,
        )
        return config
