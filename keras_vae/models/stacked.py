"""M1+M2 of Kingma et al. (2014): M2 trained on the latent features of an M1 VAE, as one model.

The stacked generative model is ``p(y) p(z2) p(z1|y, z2) p(x|z1)``: M1's decoder
``p(x|z1)`` (Bernoulli pixels) under a learned prior over its latent ``z1``, the M2 model
``p(y) p(z2) p(z1|y, z2)`` (a diagonal Gaussian over z1 with a learned variance). Inference
is ``q(z1|x)`` (M1's encoder), then M2's classifier ``q(y|z1)`` and ``q(z2|z1, y)``.

Training (one loss, one train step, like every family): M1's own negative ELBO
(``N(0, I)`` prior, on the unlabelled images only) plus M2's semi-supervised objective on
draws ``z1 ~ q(z1|x)`` with the gradient stopped at z1, so M1 learns as the plain VAE of
the paper and M2 models its codes; the paper trains M1 first and M2 after, here both run
in the same steps and M2 follows M1's codes as they settle. With ``m1_epochs`` M1 is
frozen after that many epochs and M2 goes on alone on its fixed codes, as in the paper's
second stage.

The figures of the stacked model are bounds on log p(x) of images, in nats:

    log p(x, y) >= E_q(z1|x)[log p(x|z1) - log q(z1|x) - L_M2(z1, y)] + log p(y)
    log p(x)    >= E_q(z1|x)[log p(x|z1) - log q(z1|x) - U_M2(z1)]

with M2's labelled and unlabelled bounds ``L_M2``, ``U_M2`` (``SemiSupervisedVAE``). In
the metrics ``reconstruction`` is ``-log p(x|z1)`` and ``kl`` is the one-draw estimate of
``KL(q(z1|x) || p(z1|y))`` with M2's bound standing in for ``log p(z1|y)``.
"""

import math

import keras
import numpy as np
from keras import ops

from keras_vae import likelihoods as likelihoods_lib
from keras_vae.models import checks
from keras_vae.models.base import DECODES_PER_CHUNK
from keras_vae.models.dense import DenseVAE
from keras_vae.models.semi_supervised import SemiSupervisedVAE, unpack_semi_supervised


def _threshold_or_none(value):
    """``m1_active_threshold`` as a finite float > 0, or None; anything else is a one-line error."""
    if value is None:
        return None
    try:
        threshold = float(value)
    except (TypeError, ValueError):
        threshold = math.nan
    if not (math.isfinite(threshold) and threshold > 0):
        raise ValueError(f"m1_active_threshold must be None or a finite number > 0, got {value!r}")
    return threshold


@keras.saving.register_keras_serializable(package="keras_vae")
class StackedSemiSupervisedVAE(SemiSupervisedVAE):
    """M1+M2: an M1 ``DenseVAE`` over images and an M2 ``SemiSupervisedVAE`` over M1's latent z1.

    The public API is M2's (``classify``, ``predict_labels``, labels optional everywhere)
    on images: ``encode(x, y)`` gives ``q(z2|z1, y)`` at z1 = the mean of ``q(z1|x)``;
    ``decode(z2, y)`` maps the mean of ``p(z1|y, z2)`` through M1's decoder to an image;
    ``classify(x)`` is ``q(y|z1)`` at that mean. ``elbo`` and ``log_likelihood`` are of
    images under the whole stacked model (``log_likelihood`` importance-samples z1 and z2
    together). ``model.m1`` and ``model.m2`` are the two parts as models of their own.

    Args:
        m1_hidden_units: widths of M1's MLP encoder (its decoder mirrors them).
        m1_latent_dim: size of z1, the features M2 models.
        m1_activation: M1's hidden activation.
        m1_active_threshold: None, or hide from M2's inference networks (``q(y|z1)``,
            ``q(z2|z1, y)``) the z1 dimensions whose posterior means vary less than this
            (standard deviation over each training batch), as the authors' code drops
            them (0.1): those dimensions sit at the prior and their draws are noise, which
            a classifier fitted to 100 labels would otherwise read. M2's generative model
            still scores every dimension, so the bounds are unchanged in kind. The mask is
            refreshed every training step and stored with the weights (``m2.input_mask``).
        latent_dim: size of M2's z2.
        hidden_units, classifier_units, activation, alpha, labelled_weight, num_classes: M2's
            (``SemiSupervisedVAE``), applied to z1.
        m1_epochs: None (M1 trains beside M2 throughout), or the epochs after which M1
            is frozen: its loss leaves the objective and M2 goes on alone on its codes.
            The authors train M1 first and M2 on its fixed codes; here both start together
            and, once M1 has settled, M2 learns on codes that no longer move (M1 runs
            forward only; on 2 CPU cores that did not make an epoch faster: per-step costs
            other than M1's backward pass dominate). Set by a callback at each epoch's start
            (``training_callbacks``), so a resumed run is in the right phase. 0 freezes M1
            from the start (an M1 loaded from elsewhere). Frozen, M1's weights get no
            gradient at all (``frozen_variables``), so the optimizer leaves them exactly
            where they are: a zero gradient, as JAX gives, let Adam's momentum move them on
            for dozens of steps, which cost M1 11 nats of reconstruction on the recipe's run.
        beta, kl_warmup_steps: the weight and warm-up of M1's KL term in training.
        **kwargs: other ``VAE`` arguments (``image_shape``, ``likelihood`` of the
            pixels, ``seed``).

    Example:
    >>> model = keras_vae.models.StackedSemiSupervisedVAE(num_classes=10, m1_latent_dim=50, latent_dim=50)
    >>> model.compile(optimizer="adam")
    >>> ds, labelled = keras_vae.data.make_semi_supervised_dataset("mnist", labels_per_class=10, data_dir=...)
    >>> model.fit(ds, epochs=10)
    >>> model.predict_labels(test_images)  # q(y|z1) at the mean of q(z1|x)
    """

    # TF 2.21's int8 TFLite converter aborts the whole process (SIGABRT, no message) on this
    # model's graphs (measured on m1m2_mnist); the export leaves the variant out and says so.
    int8_export_refusal = (
        "int8 TFLite is not offered for StackedSemiSupervisedVAE: TF 2.21's int8 converter aborts the process "
        "on its graphs (measured on m1m2_mnist); use float32, float16 or dynamic_int8"
    )

    def __init__(self, m1_hidden_units=(256,), m1_latent_dim=50, m1_activation="softplus", m1_active_threshold=None,
                 m1_epochs=None, **kwargs):
        self.m1_hidden_units = tuple(int(u) for u in m1_hidden_units)
        self.m1_epochs = None if m1_epochs is None else checks.check_non_negative_int(m1_epochs, "m1_epochs")
        self.m1_frozen = self.m1_epochs == 0  # a Python flag read when the train step is traced
        self.m1_active_threshold = _threshold_or_none(m1_active_threshold)
        self.m1_latent_dim = checks.check_positive_int(m1_latent_dim, "m1_latent_dim")
        self.m1_activation = m1_activation
        super().__init__(**kwargs)

    # ----- architecture: the two parts, and the API's graphs composed from them -----------
    def _build_encoder(self):
        # Called by VAE.__init__ before the decoder and the classifier: the parts start here.
        self.m1 = DenseVAE(
            image_shape=self.image_shape, latent_dim=self.m1_latent_dim, hidden_units=self.m1_hidden_units,
            activation=self.m1_activation, likelihood=self.likelihood, seed=self.seed, name="m1",
        )
        self.m2 = SemiSupervisedVAE(
            image_shape=(self.m1_latent_dim,), latent_dim=self.latent_dim,
            likelihood=likelihoods_lib.Gaussian(learn_scale=True), num_classes=self.num_classes,
            hidden_units=self.hidden_units, classifier_units=self.classifier_units, activation=self.activation,
            alpha=self.alpha, labelled_weight=self.labelled_weight, input_mask=self.m1_active_threshold is not None,
            seed=None if self.seed is None else self.seed + 1, name="m2",
        )
        # The parts' graphs are named "encoder"/"decoder"/"classifier" in their own models;
        # the composed graphs below need unique names for them.
        for part in (self.m1, self.m2):
            for graph in (part.encoder, part.decoder, getattr(part, "classifier", None)):
                if graph is not None:
                    graph.name = f"{part.name}_{graph.name}"
        image, label = keras.Input(shape=self.image_shape, name="image"), self._label_input()
        z1_mean, _ = self.m1.encoder([image])
        return keras.Model([image, label], self.m2.encoder([z1_mean, label]), name="encoder")

    def _build_decoder(self):
        z2, label = keras.Input(shape=(self.latent_dim,), name="z"), self._label_input()
        z1_mean = self.m2.likelihood.mean(self.m2.decoder([z2, label]))
        return keras.Model([z2, label], self.m1.decoder([z1_mean]), name="decoder")

    def _build_classifier(self):
        image = keras.Input(shape=self.image_shape, name="image")
        z1_mean, _ = self.m1.encoder([image])
        return keras.Model(image, self.m2.classifier(z1_mean), name="classifier")

    def classify(self, x, batch_size=512, draws=0, seed=0):
        """Class probabilities: ``q(y|z1)`` at the mean of ``q(z1|x)``, or averaged over its draws.

        Args:
            x: images (batch, *image_shape).
            batch_size: images per pass.
            draws: 0 (default) evaluates the classifier at the mean of ``q(z1|x)``; n > 0
                gives the Monte Carlo ``E_q(z1|x)[q(y|z1)]`` over n draws of z1.
            seed: seed of those draws.
        """
        if not draws:
            return super().classify(x, batch_size)
        draws = checks.check_positive_int(draws, "draws")
        x = checks.check_images(x, self.image_shape, self.likelihood.value_range)
        generator = checks.seed_generator(seed)
        out = []
        for s in self._batches(len(x), batch_size):
            z1_mean, z1_log_var = self.m1.posterior(x[s])
            total = 0.0
            for _ in range(draws):
                z1 = self.m1.reparameterize(z1_mean, z1_log_var, seed=generator)
                total = total + ops.softmax(self.m2.classifier(z1), axis=-1)
            out.append(ops.convert_to_numpy(total / draws))
        return np.concatenate(out) if out else np.zeros((0, self.num_classes), "float32")

    # ----- the bounds ----------------------------------------------------------------------
    def m1_terms(self, x, training=False, seed=None, at_mean=False):
        """One draw ``z1 ~ q(z1|x)`` (its mean if ``at_mean``) and M1's pieces at it.

        Returns:
            ``(z1, (z1_mean, z1_log_var), -log p(x|z1), log q(z1|x))``, per example.
        """
        z1_mean, z1_log_var = self.m1.posterior(x, training=training)
        noise = ops.zeros_like(z1_mean) if at_mean else None
        generator = self.seed_generator if seed is None else checks.seed_generator(seed)
        z1 = self.m1.reparameterize(z1_mean, z1_log_var, noise=noise, seed=generator)
        reconstruction = -self.m1.log_px(x, self.m1.decode_params(z1, training=training))
        log_q = likelihoods_lib.diagonal_normal_log_prob(z1, z1_mean, z1_log_var)
        return z1, (z1_mean, z1_log_var), reconstruction, log_q

    def labelled_terms(self, x, labels, training=False):
        """Per-example ``(-log p(x|z1), log q(z1|x) - log p(z1|y, z2) + KL(q(z2|z1, y) || p(z2)))``, one draw of z1."""
        z1, _, reconstruction, log_q = self.m1_terms(x, training)
        rec2, kl2 = self.m2.labelled_terms(z1, labels, training)
        return reconstruction, log_q + rec2 + kl2

    def unlabelled_terms(self, x, training=False, generator=None):
        """Per-example ``(-log p(x|z1), log q(z1|x) + E_q(y|z1)[M2 terms], H(q(y|z1)), logits)``.

        The bound uses ``q(y|z1)`` at the drawn z1; the logits returned (for accuracy
        metrics) are the classifier's at the mean of ``q(z1|x)``, as in ``classify``.
        """
        z1, (z1_mean, _), reconstruction, log_q = self.m1_terms(x, training, seed=generator)
        rec2, kl2, entropy, _ = self.m2.unlabelled_terms(z1, training, generator)
        return reconstruction, log_q + rec2 + kl2, entropy, self.m2.classifier(z1_mean, training=training)

    def bound_terms(self, x, labels=None, training=False, noise=None, seed=None, posterior=None):
        """One-draw pieces of the bound on ``log p(x|y)``: ``(-log p(x|z1), the rest, M1's pixel logits)``.

        ``noise`` is z2's; when it is given z1 is the mean of ``q(z1|x)`` (zeros then
        score at both posterior means, as the export's scorer expects).
        """
        if posterior is not None:
            raise ValueError("StackedSemiSupervisedVAE.bound_terms draws z1 first; q(z2|z1, y) depends on it")
        generator = None if seed is None else checks.seed_generator(seed)
        z1, _, reconstruction, log_q = self.m1_terms(x, training, seed=generator, at_mean=noise is not None)
        rec2, kl2, _ = self.m2.bound_terms(z1, labels, training=training, noise=noise, seed=generator)
        return reconstruction, log_q + rec2 + kl2, self.m1.decode_params(z1)

    def training_callbacks(self):
        return [] if self.m1_epochs is None else [_FreezeM1(self.m1_epochs)]

    def frozen_variables(self):
        return self.m1.trainable_variables if self.m1_frozen else []

    def training_loss(self, data):
        """M1's annealed negative ELBO on the unlabelled batch plus M2's objective on z1 draws.

        The gradient stops at z1, so each part follows its own objective; the logged
        ``elbo`` is the stacked bound on log p(x) of the unlabelled images. Once M1 is
        frozen (``m1_epochs``) its loss is left out: M1 runs forward only.
        """
        x_u, x_l, y_l = unpack_semi_supervised(data)
        z1_u, (mean_u, log_var_u), rec_u, log_q_u = self.m1_terms(x_u, training=True)
        if self.m1_active_threshold is not None:
            active = ops.std(ops.stop_gradient(mean_u), axis=0) > self.m1_active_threshold
            self.m2.input_mask.set_mask(active)
        m1_loss = ops.mean(rec_u) + self.kl_penalty(likelihoods_lib.gaussian_kl(mean_u, log_var_u),
                                                    self.step_counter.value)
        z1_l, _, _, _ = self.m1_terms(x_l, training=True)
        m2_batch = {"image": ops.stop_gradient(z1_u), "labelled_image": ops.stop_gradient(z1_l),
                    "labelled_label": y_l}
        m2_loss, (rec2, kl2, elbo2, logits_l, labels) = self.m2.training_loss(m2_batch)
        elbo = elbo2 - rec_u - log_q_u
        loss = m2_loss if self.m1_frozen else m1_loss + m2_loss
        return loss, (rec_u, log_q_u + rec2 + kl2, elbo, logits_l, labels)

    @property
    def noise_dim(self):
        """Standard-normal numbers per importance sample: z1's, then z2's."""
        return self.m1_latent_dim + self.latent_dim

    def importance_log_weights(self, x, labels, noise):
        """Log-weights (samples, batch) of z1 and z2 drawn together from ``q(z1|x) q(z2|z1, y)``.

        ``log w = log p(x|z1) + log p(z1|y, z2) + log p(z2) - log q(z1|x) - log q(z2|z1, y)``,
        with z1 from the first ``m1_latent_dim`` numbers of each noise vector and z2 from the rest.

        Args:
            x: images (batch, *image_shape).
            labels: class ids (batch,).
            noise: standard-normal noise (samples, batch, noise_dim).
        """
        kc, b = ops.shape(noise)[0], ops.shape(noise)[1]
        z1_mean, z1_log_var = self.m1.posterior(x)
        z1 = self.m1.reparameterize(z1_mean[None], z1_log_var[None], noise[..., :self.m1_latent_dim])
        flat_z1 = ops.reshape(z1, (kc * b, self.m1_latent_dim))
        flat_y = ops.tile(ops.convert_to_tensor(labels, "int32"), [kc])
        z2_mean, z2_log_var = self.m2.posterior(flat_z1, flat_y)
        z2 = self.m2.reparameterize(z2_mean, z2_log_var,
                                    ops.reshape(noise[..., self.m1_latent_dim:], (kc * b, self.latent_dim)))
        log_w = (
            self.m1.log_px(ops.tile(x, [kc] + [1] * (len(x.shape) - 1)), self.m1.decode_params(flat_z1))
            + self.m2.log_px(flat_z1, self.m2.decode_params(z2, flat_y))
            + likelihoods_lib.standard_normal_log_prob(z2)
            - likelihoods_lib.diagonal_normal_log_prob(z2, z2_mean, z2_log_var)
        )
        return (ops.reshape(log_w, (kc, b))
                - likelihoods_lib.diagonal_normal_log_prob(z1, z1_mean[None], z1_log_var[None]))

    def conditional_log_likelihood(self, x, labels, k=1000, batch_size=64, seed=0):
        """IWAE estimate of log p(x|y) with z1 and z2 drawn together (``importance_log_weights``).

        The draws come in chunks of at most ``DECODES_PER_CHUNK`` decoder passes.
        """
        x, labels = self._check(x, labels)
        checks.check_not_empty(x)
        k = checks.check_importance_samples(k)
        generator = checks.seed_generator(seed)
        out = []
        for s in self._batches(len(x), batch_size):
            xb, yb = ops.convert_to_tensor(x[s]), ops.convert_to_tensor(labels[s], "int32")
            b = int(xb.shape[0])
            chunk = max(1, min(k, DECODES_PER_CHUNK // b))
            total = None
            for start in range(0, k, chunk):
                kc = min(chunk, k - start)
                # z1's noise, then z2's, drawn in that order (and z2's as one (kc * b) block).
                e1 = keras.random.normal((kc, b, self.m1_latent_dim), seed=generator)
                e2 = ops.reshape(keras.random.normal((kc * b, self.latent_dim), seed=generator), (kc, b, -1))
                log_w = self.importance_log_weights(xb, yb, ops.concatenate([e1, e2], axis=-1))
                part = ops.logsumexp(log_w, axis=0)
                total = part if total is None else ops.logaddexp(total, part)
            out.append(ops.convert_to_numpy(total) - math.log(k))
        return np.concatenate(out) if out else np.zeros((0,), "float32")

    def log_weights(self, x, z, params, z_mean, z_log_var):
        raise NotImplementedError(
            "StackedSemiSupervisedVAE has two latent layers: importance weights over z2 alone are not of "
            "log p(x); use log_likelihood"
        )

    def get_config(self):
        return {
            **super().get_config(),
            "m1_hidden_units": list(self.m1_hidden_units),
            "m1_latent_dim": self.m1_latent_dim,
            "m1_activation": self.m1_activation,
            "m1_active_threshold": self.m1_active_threshold,
            "m1_epochs": self.m1_epochs,
        }


class _FreezeM1(keras.callbacks.Callback):
    """At each epoch's start, freezes M1 once ``epochs`` have passed (``m1_epochs``).

    The train step reads ``model.m1_frozen`` when it is traced, so the switch rebuilds it.
    """

    def __init__(self, epochs):
        super().__init__()
        self.epochs = epochs

    def on_epoch_begin(self, epoch, logs=None):
        frozen = epoch >= self.epochs
        if frozen != self.model.m1_frozen:
            self.model.m1_frozen = frozen
            self.model.make_train_function(force=True)

