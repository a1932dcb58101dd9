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
from keras_vae.models import checks
from keras_vae.models.gradient import TrainStep
from keras_vae.models.layers import OneHot
from keras_vae.models.state import ReplicaSeedGenerator, StepCounter

# Decoder evaluations per call when estimating log p(x): bounds memory for any k.
_DECODES_PER_CHUNK = 8192


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
        """Maps flat features to likelihood parameters of shape (h, w, param_channels)."""
        raise NotImplementedError

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
        return keras.Model(inputs, self.decoder_body(h), name="decoder")

    def _model_inputs(self, first, labels):
        # Functional sub-models take a list matching their inputs; numpy becomes tensors
        # here so that a numpy label never meets a tensor latent in one call.
        first = ops.convert_to_tensor(first)
        if not self.conditional:
            return [first]
        return [first, ops.convert_to_tensor(labels, "int32")]

    _encoder_inputs = _model_inputs
    _decoder_inputs = _model_inputs

    # ----- the objective --------------------------------------------------------------
    def elbo_terms(self, x, labels=None, training=False):
        """Per-example ``(-log p(x|z), KL(q(z|x)||p(z)))`` with one reparameterised draw."""
        z_mean, z_log_var = self.encoder(self._encoder_inputs(x, labels), training=training)
        eps = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        z = z_mean + ops.exp(0.5 * z_log_var) * eps
        params = self.decoder(self._decoder_inputs(z, labels), training=training)
        reconstruction = -self.log_px(x, params)
        kl = likelihoods_lib.gaussian_kl(z_mean, z_log_var)
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
            return weight * ops.mean(kl)
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

    def call(self, inputs, training=False):
        """Deterministic reconstruction: decode the posterior mean of ``inputs``."""
        x, labels = _unpack(inputs)
        z_mean, _ = self.encoder(self._encoder_inputs(x, labels), training=training)
        params = self.decoder(self._decoder_inputs(z_mean, labels), training=training)
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
            m, lv = self.encoder(self._encoder_inputs(x[s], None if labels is None else labels[s]))
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
            params = self.decoder(self._decoder_inputs(z[s], None if labels is None else labels[s]))
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
        n = checks.check_positive_int(n, "n")
        if self.conditional and labels is None:
            labels = np.arange(n) % self.num_classes
        z = keras.random.normal((n, self.latent_dim), seed=seed)
        return self.decode(ops.convert_to_numpy(z), labels)

    def elbo(self, x, labels=None, seed=0, batch_size=512):
        """Single-sample ELBO estimate per example, in nats (higher is better)."""
        x, labels = self._check(x, labels)
        generator = keras.random.SeedGenerator(seed)
        out = []
        for s in self._batches(len(x), batch_size):
            z_mean, z_log_var = self.encoder(self._encoder_inputs(x[s], None if labels is None else labels[s]))
            z = z_mean + ops.exp(0.5 * z_log_var) * keras.random.normal(ops.shape(z_mean), seed=generator)
            params = self.decoder(self._decoder_inputs(z, None if labels is None else labels[s]))
            value = self.log_px(x[s], params) - likelihoods_lib.gaussian_kl(z_mean, z_log_var)
            out.append(ops.convert_to_numpy(value))
        return np.concatenate(out)

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
        k = checks.check_positive_int(k, "k")
        generator = keras.random.SeedGenerator(seed)
        out = []
        for s in self._batches(len(x), batch_size):
            xb = x[s]
            yb = None if labels is None else labels[s]
            z_mean, z_log_var = self.encoder(self._encoder_inputs(xb, yb))
            b = xb.shape[0]
            chunk = max(1, min(k, _DECODES_PER_CHUNK // b))
            total = None
            for start in range(0, k, chunk):
                kc = min(chunk, k - start)
                eps = keras.random.normal((kc, b, self.latent_dim), seed=generator)
                z = z_mean[None] + ops.exp(0.5 * z_log_var)[None] * eps
                flat_z = ops.reshape(z, (kc * b, self.latent_dim))
                flat_y = None if yb is None else np.tile(yb, kc)
                params = self.decoder(self._decoder_inputs(flat_z, flat_y))
                params = ops.reshape(params, (kc, b) + tuple(params.shape[1:]))
                log_w = (
                    self.log_px(xb[None], params)
                    + likelihoods_lib.standard_normal_log_prob(z)
                    - likelihoods_lib.diagonal_normal_log_prob(z, z_mean[None], z_log_var[None])
                )
                part = ops.logsumexp(log_w, axis=0)
                total = part if total is None else ops.logaddexp(total, part)
            out.append(ops.convert_to_numpy(total) - math.log(k))
        return np.concatenate(out)

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
            num_classes=self.num_classes,
            seed=self.seed,
        )
        return config
