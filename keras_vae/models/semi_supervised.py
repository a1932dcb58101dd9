"""The M2 model of Kingma et al. (2014), "Semi-supervised learning with deep generative models".

Generative model ``p(y) p(z) p(x|y, z)`` with a uniform class prior; inference networks
``q(y|x)`` (a classifier) and ``q(z|x, y)``. A labelled example contributes the bound

    log p(x, y) >= E_q(z|x,y)[log p(x|y,z)] + log p(y) - KL(q(z|x,y) || p(z)) = -L(x, y)

and an unlabelled one the bound with y summed out under the classifier,

    log p(x) >= sum_y q(y|x) (-L(x, y)) + H(q(y|x)) = -U(x).

The loss per step is ``mean U(x_u) + mean L(x_l, y_l) + alpha * mean CE(q(y|x_l), y_l)``:
the classification term is the paper's ``alpha``-weighted one, the only place where the
classifier sees labels directly.
"""

import math

import keras
import numpy as np
from keras import ops

from keras_vae.models import checks
from keras_vae.models.base import VAE
from keras_vae.models.dense import dense_decoder_body, dense_encoder_body
from keras_vae.models.layers import DimensionMask, OneHot


def unpack_semi_supervised(data):
    """``(unlabelled images, labelled images, their labels)`` of a semi-supervised batch dict."""
    if isinstance(data, dict) and "labelled_image" in data:
        return data["image"], data["labelled_image"], data["labelled_label"]
    raise ValueError(
        "SemiSupervisedVAE trains on batches {'image': unlabelled, 'labelled_image': x, 'labelled_label': y}; "
        "see keras_vae.data.make_semi_supervised_dataset"
    )


@keras.saving.register_keras_serializable(package="keras_vae")
class SemiSupervisedVAE(VAE):
    """M2: a conditional VAE whose label is inferred by a classifier when missing.

    The image features of ``q(z|x, y)`` are computed once per image; the label enters
    after them (a one-hot beside the features), so summing over the ``num_classes``
    labels of an unlabelled image costs ``num_classes`` decoder passes, not encoder ones.

    Args:
        num_classes: number of classes.
        hidden_units: widths of the MLP encoder's hidden layers; the decoder mirrors them.
        classifier_units: widths of the classifier ``q(y|x)``'s hidden layers.
        activation: hidden activation (the paper uses softplus).
        alpha: weight of the classification loss on labelled examples, relative to the
            per-example bounds (batch means on both sides).
        labelled_weight: weight of the labelled examples' bound ``L(x, y)`` (a batch
            mean) relative to the unlabelled bound's. 1 gives the few labelled examples,
            seen every step, the weight of the whole unlabelled set; the authors' code
            sums every example's bound once an epoch, which is ``n_labelled / n_unlabelled``
            (1/600 for 100 MNIST labels).
        input_mask: give ``q(y|x)`` and ``q(z|x, y)`` a ``DimensionMask`` in front, so
            they read only the input dimensions it keeps (1-D inputs only; all of them
            until its mask is set). The generative model still scores every dimension.
        **kwargs: ``VAE`` arguments.

    Example:
    >>> model = keras_vae.models.SemiSupervisedVAE(num_classes=10, latent_dim=50)
    >>> model.compile(optimizer="adam")
    >>> ds, labelled = keras_vae.data.make_semi_supervised_dataset("mnist", labels_per_class=10, data_dir=...)
    >>> model.fit(ds, epochs=10)
    >>> model.predict_labels(test_images)  # classification by q(y|x)
    >>> model.log_likelihood(test_images)  # log p(x), y summed out
    """

    def __init__(
        self,
        num_classes=10,
        hidden_units=(500,),
        classifier_units=(500,),
        activation="softplus",
        alpha=1.0,
        labelled_weight=1.0,
        input_mask=False,
        **kwargs,
    ):
        if num_classes is None:
            raise ValueError("SemiSupervisedVAE needs num_classes")
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.classifier_units = tuple(int(u) for u in classifier_units)
        self.activation = activation
        if kwargs.get("capacity") is not None:
            # Its loss weighs each example's KL (labelled and unlabelled bounds alike) by
            # kl_weight; a capacity target on the batch mean has no place in that sum.
            raise ValueError(
                "SemiSupervisedVAE does not support capacity (the capacity-annealed objective); "
                "use beta and kl_warmup_steps"
            )
        self.alpha = checks.check_non_negative_float(alpha, "alpha")
        self.labelled_weight = checks.check_non_negative_float(labelled_weight, "labelled_weight")
        self._wants_input_mask = bool(input_mask)  # the layer itself comes with the first graph
        if input_mask and len(tuple(kwargs.get("image_shape") or ())) != 1:
            raise ValueError(f"input_mask needs 1-D inputs (image_shape=(n,)), got image_shape={kwargs.get('image_shape')}")
        super().__init__(num_classes=num_classes, **kwargs)
        self.classifier = self._build_classifier()
        self.accuracy_tracker = keras.metrics.Mean(name="accuracy")
        self.classification_tracker = keras.metrics.Mean(name="classification")

    # Labels are optional at inference: q(y|x) stands in for a missing one, and the
    # test figures (ELBO, NLL) are of the marginal log p(x).
    labels_optional = True

    # ----- architecture -------------------------------------------------------------
    def encoder_body(self, images):
        return dense_encoder_body(images, self.hidden_units, self.activation)

    def decoder_body(self, features):
        return dense_decoder_body(features, self.image_shape, self.param_channels, self.hidden_units, self.activation)

    @property
    def input_mask(self):
        """The ``DimensionMask`` in front of the inference networks, or None."""
        return getattr(self, "_input_mask", None)

    def _inference_input(self, image):
        if not self._wants_input_mask:
            return image
        if self.input_mask is None:  # created here, after keras.Model.__init__ (torch needs that order)
            self._input_mask = DimensionMask(self.image_shape[0], name="input_mask")
        return self.input_mask(image)

    def _build_encoder(self):
        image = keras.Input(shape=self.image_shape, name="image")
        self.encoder_trunk = keras.Model(image, self.encoder_body(self._inference_input(image)), name="encoder_trunk")
        features = keras.Input(shape=self.encoder_trunk.output.shape[1:], name="features")
        label = self._label_input()
        h = keras.layers.Concatenate(name="encoder_condition")([features, OneHot(self.num_classes)(label)])
        z_mean = keras.layers.Dense(self.latent_dim, name="z_mean")(h)
        z_log_var = keras.layers.Dense(self.latent_dim, name="z_log_var")(h)
        self.encoder_head = keras.Model([features, label], [z_mean, z_log_var], name="encoder_head")
        image_in, label_in = keras.Input(shape=self.image_shape, name="image"), self._label_input()
        outputs = self.encoder_head([self.encoder_trunk(image_in), label_in])
        return keras.Model([image_in, label_in], outputs, name="encoder")

    def _build_classifier(self):
        image = keras.Input(shape=self.image_shape, name="image")
        h = keras.layers.Flatten(name="flatten")(self._inference_input(image))
        for i, units in enumerate(self.classifier_units):
            h = keras.layers.Dense(units, activation=self.activation, name=f"classifier_dense_{i}")(h)
        logits = keras.layers.Dense(self.num_classes, name="class_logits")(h)
        return keras.Model(image, logits, name="classifier")

    # ----- the objective --------------------------------------------------------------
    def _bound_terms(self, features, x, labels, training, generator=None):
        """Per-example ``(-log p(x|y,z), KL)`` for given labels, from precomputed features."""
        posterior = self.encoder_head([features, labels], training=training)
        reconstruction, kl, _ = self.bound_terms(x, labels, training=training, seed=generator, posterior=posterior)
        return reconstruction, kl

    def labelled_terms(self, x, labels, training=False):
        labels = ops.cast(labels, "int32")
        return self._bound_terms(self.encoder_trunk(x, training=training), x, labels, training)

    def unlabelled_terms(self, x, training=False, generator=None):
        """Per-example ``(E_q(y|x)[-log p(x|y,z)], E_q(y|x)[KL], H(q(y|x)), logits)``."""
        k = self.num_classes
        features = self.encoder_trunk(x, training=training)
        n = ops.shape(x)[0]
        # Example-major: rows i*k .. i*k+k-1 are example i with labels 0..k-1.
        labels = ops.tile(ops.arange(k, dtype="int32"), [n])
        rec, kl = self._bound_terms(
            ops.repeat(features, k, axis=0), ops.repeat(x, k, axis=0), labels, training, generator
        )
        rec, kl = ops.reshape(rec, (-1, k)), ops.reshape(kl, (-1, k))
        logits = self.classifier(x, training=training)
        q = ops.softmax(logits, axis=-1)
        log_q = ops.log_softmax(logits, axis=-1)
        entropy = -ops.sum(q * log_q, axis=-1)
        return ops.sum(q * rec, axis=-1), ops.sum(q * kl, axis=-1), entropy, logits

    def _update(self, loss, rec, kl, elbo, logits, labels):
        self.loss_tracker.update_state(loss)
        self.reconstruction_tracker.update_state(ops.mean(rec))
        self.kl_tracker.update_state(ops.mean(kl))
        self.elbo_tracker.update_state(ops.mean(elbo))
        ce = ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)
        self.classification_tracker.update_state(ops.mean(ce))
        hits = ops.cast(ops.equal(ops.argmax(logits, axis=-1), ops.cast(labels, "int32")), "float32")
        self.accuracy_tracker.update_state(ops.mean(hits))
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return super().metrics + [self.classification_tracker, self.accuracy_tracker]

    def training_loss(self, data):
        x_u, x_l, y_l = unpack_semi_supervised(data)
        weight = self.kl_weight(self.step_counter.value)
        log_k = math.log(self.num_classes)
        rec_u, kl_u, entropy, _ = self.unlabelled_terms(x_u, training=True)
        rec_l, kl_l = self.labelled_terms(x_l, y_l, training=True)
        logits_l = self.classifier(x_l, training=True)
        ce = ops.sparse_categorical_crossentropy(y_l, logits_l, from_logits=True)
        u = rec_u + weight * kl_u + log_k - entropy
        l = rec_l + weight * kl_l + log_k
        loss = ops.mean(u) + self.labelled_weight * ops.mean(l) + self.alpha * ops.mean(ce)
        elbo_u = -(rec_u + kl_u) - log_k + entropy
        return loss, (rec_u, kl_u, elbo_u, logits_l, y_l)

    def evaluation_loss(self, data):
        """Marginal bound ``-U(x)`` of test images, and q(y|x)'s accuracy on their labels."""
        x, labels = data if isinstance(data, (tuple, list)) else (data["image"], data["label"])
        rec, kl, entropy, logits = self.unlabelled_terms(x, training=False)
        elbo = -(rec + kl) - math.log(self.num_classes) + entropy
        return -ops.mean(elbo), (rec, kl, elbo, logits, labels)

    def record_metrics(self, loss, aux):
        return self._update(loss, *aux)

    # ----- public inference API -----------------------------------------------------------
    def classify(self, x, batch_size=512):
        """Class probabilities ``q(y|x)``, shape (batch, num_classes)."""
        x = checks.check_images(x, self.image_shape, self.likelihood.value_range)
        out = [ops.convert_to_numpy(ops.softmax(self.classifier(x[s]), axis=-1)) for s in self._batches(len(x), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.num_classes), "float32")

    def predict_labels(self, x, batch_size=512):
        """The most probable class under ``q(y|x)``."""
        return np.argmax(self.classify(x, batch_size), axis=-1).astype("int32")

    def _labels_or_inferred(self, x, labels):
        return self.predict_labels(x) if labels is None else labels

    def encode(self, x, labels=None, batch_size=512):
        """``q(z|x, y)``'s parameters; without labels, y is q(y|x)'s most probable class."""
        return super().encode(x, self._labels_or_inferred(x, labels), batch_size)

    def reconstruct(self, x, labels=None, batch_size=512):
        labels = self._labels_or_inferred(x, labels)
        z_mean, _ = super().encode(x, labels, batch_size)
        return self.decode(z_mean, labels, batch_size)

    def elbo(self, x, labels=None, seed=0, batch_size=512):
        """With labels: the bound on log p(x|y). Without: the bound -U(x) on log p(x)."""
        if labels is not None:
            return super().elbo(x, labels, seed=seed, batch_size=batch_size)
        x = checks.check_not_empty(checks.check_images(x, self.image_shape, self.likelihood.value_range))
        generator = checks.seed_generator(seed)
        out = []
        for s in self._batches(len(x), batch_size):
            rec, kl, entropy, _ = self.unlabelled_terms(x[s], generator=generator)
            out.append(ops.convert_to_numpy(-(rec + kl) - math.log(self.num_classes) + entropy))
        return np.concatenate(out) if out else np.zeros((0,), "float32")

    def conditional_log_likelihood(self, x, labels, k=1000, batch_size=64, seed=0):
        """IWAE estimate of log p(x|y) (``VAE.log_likelihood`` with labels); the marginal sums it over y."""
        return super().log_likelihood(x, labels, k=k, batch_size=batch_size, seed=seed)

    def log_likelihood(self, x, labels=None, k=1000, batch_size=64, seed=0):
        """With labels: IWAE estimate of log p(x|y). Without: log p(x) = logsumexp_y [log p(y) + log p(x|y)].

        The sum over y is exact; each log p(x|y) is an IWAE estimate with ``k`` samples,
        so the marginal costs ``num_classes * k`` decoder passes per image.
        """
        if labels is not None:
            return self.conditional_log_likelihood(x, labels, k=k, batch_size=batch_size, seed=seed)
        x = checks.check_images(x, self.image_shape, self.likelihood.value_range)
        c = self.num_classes
        per_class = self.conditional_log_likelihood(
            np.repeat(x, c, axis=0), np.tile(np.arange(c, dtype="int32"), len(x)), k=k,
            batch_size=batch_size, seed=seed,
        ).reshape(len(x), c)
        peak = per_class.max(axis=1, keepdims=True)
        return (peak[:, 0] + np.log(np.exp(per_class - peak).sum(axis=1))) - math.log(c)

    def get_config(self):
        return {
            **super().get_config(),
            "hidden_units": list(self.hidden_units),
            "classifier_units": list(self.classifier_units),
            "activation": self.activation,
            "alpha": self.alpha,
            "labelled_weight": self.labelled_weight,
            "input_mask": self._wants_input_mask,
        }
