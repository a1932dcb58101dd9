"""PixelVAE (Gulrajani et al. 2017): a conv VAE whose decoder ends in a few masked (PixelCNN) convolutions.

A factorised decoder must explain every pixel from z alone, so the fine detail of a digit's
stroke costs nats that a latent code of 32 numbers cannot pay for. A PixelCNN head models
each pixel given z *and* the pixels above and to its left: ``p(x|z) = prod_i p(x_i | x_<i, z)``.
A few masked layers with a small receptive field are enough, since z carries the global
shape; the IWAE bound stays exact (one decoder pass scores a whole image, teacher-forced on
x through the base's decoder context), while generation draws the pixels one at a time.

The head: a mask-A convolution of the image (a pixel never sees itself; on one input channel
a wide kernel is cheap), then optional residual 3x3 mask-B convolutions, each conditioned on
the transposed-convolution features of z by a 1x1 convolution, then 1x1 convolutions to the
Bernoulli logits. Every importance sample runs the decoder once, so the literature's k=1000
protocol on 10,000 images is 10 million decoder passes: the z path and the head are kept
narrow (``decoder_filters``, ``pixel_filters``) while the encoder, run once per image, is not.

Example:
>>> model = PixelVAE(latent_dim=32, filters=(32, 64), decoder_filters=(16, 32), hidden_units=256)
>>> model.compile(optimizer="adam")
>>> model.fit(images, epochs=1)          # binary images (n, 28, 28, 1)
>>> model.log_likelihood(images[:10], k=100)
>>> model.sample(4, seed=0)              # 784 decoder-head passes
"""

import keras
import numpy as np
from keras import ops

from keras_vae import likelihoods as likelihoods_lib
from keras_vae.models import checks
from keras_vae.models.conv import ConvVAE, conv_decoder_features


def causal_mask(kernel_size, in_channels, out_channels, include_center):
    """The PixelCNN mask of a (k, k, in, out) kernel: rows above the centre, and the centre row left of it.

    ``include_center=False`` is mask A (the first layer: a pixel never sees its own value);
    True is mask B (later layers: the centre holds features of strictly earlier pixels).
    All channels of a pixel are predicted together, so the mask is the same for every
    channel pair.
    """
    k = int(kernel_size)
    mask = np.zeros((k, k, in_channels, out_channels), "float32")
    mask[: k // 2] = 1.0
    mask[k // 2, : k // 2 + (1 if include_center else 0)] = 1.0
    return mask


@keras.saving.register_keras_serializable(package="keras_vae")
class MaskedConv2D(keras.layers.Conv2D):
    """A ``Conv2D`` whose kernel is multiplied by a causal mask (``causal_mask``) in every call.

    Args:
        filters, kernel_size: as ``Conv2D`` (square odd kernels, stride 1, "same" padding).
        mask_type: ``"A"`` (centre excluded) or ``"B"`` (centre included).
    """

    def __init__(self, filters, kernel_size, mask_type="B", **kwargs):
        if mask_type not in ("A", "B"):
            raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}")
        kwargs.setdefault("padding", "same")
        super().__init__(filters, kernel_size, **kwargs)
        if self.kernel_size[0] != self.kernel_size[1] or self.kernel_size[0] % 2 == 0:
            raise ValueError(f"masked convolutions take square odd kernels, got {self.kernel_size}")
        if self.padding != "same" or self.strides != (1, 1):
            raise ValueError("masked convolutions keep the image size: padding='same', strides=1")
        self.mask_type = mask_type

    def build(self, input_shape):
        super().build(input_shape)
        self._mask = causal_mask(self.kernel_size[0], int(input_shape[-1]), self.filters, self.mask_type == "B")

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel * ops.convert_to_tensor(self._mask, kernel.dtype))

    def get_config(self):
        return {**super().get_config(), "mask_type": self.mask_type}


def pixel_head(feature_shape, context_shape, param_channels, kernel, layers, filters, activation):
    """The PixelCNN head as a functional model: (z's feature maps, the image) -> likelihood parameters."""
    features = keras.Input(shape=feature_shape, name="pixel_features")
    context = keras.Input(shape=context_shape, name="pixel_context")
    act = keras.activations.get(activation)
    h = MaskedConv2D(filters, kernel, "A", name="pixel_in")(context)
    h = keras.layers.Activation(act)(h + keras.layers.Conv2D(filters, 1, name="pixel_cond_in")(features))
    for i in range(layers):
        r = MaskedConv2D(filters, 3, "B", name=f"pixel_masked_{i}")(h)
        r = r + keras.layers.Conv2D(filters, 1, name=f"pixel_cond_{i}")(features)
        h = h + keras.layers.Activation(act)(r)  # residual: the stack starts as an identity
    h = keras.layers.Conv2D(filters, 1, activation=activation, name="pixel_out_hidden")(h)
    params = keras.layers.Conv2D(param_channels, 1, name="params")(h)
    return keras.Model([features, context], params, name="pixel_head")


@keras.saving.register_keras_serializable(package="keras_vae")
class PixelVAE(ConvVAE):
    """Conv VAE with a PixelCNN decoder head over binary images (Gulrajani et al. 2017).

    Args:
        pixel_kernel: side of the mask-A kernel (odd): the pixels above and to the left each
            pixel reads.
        pixel_layers: residual 3x3 mask-B layers after it (each widens that neighbourhood).
        pixel_filters: channels of the head.
        decoder_filters: channels of the transposed convolutions from z (default: ``filters``).
        **kwargs: ``ConvVAE`` arguments (``filters``, ``hidden_units``, ``activation``) and
            ``VAE`` ones. The likelihood is Bernoulli (generation draws binary pixels).
    """

    def __init__(self, pixel_kernel=7, pixel_layers=0, pixel_filters=32, decoder_filters=None, **kwargs):
        self.pixel_kernel = checks.check_positive_int(pixel_kernel, "pixel_kernel")
        if self.pixel_kernel % 2 == 0 or self.pixel_kernel < 3:
            raise ValueError(f"pixel_kernel must be odd and >= 3, got {pixel_kernel}")
        self.pixel_layers = 0 if not pixel_layers else checks.check_positive_int(pixel_layers, "pixel_layers")
        self.pixel_filters = checks.check_positive_int(pixel_filters, "pixel_filters")
        self.decoder_filters = None if decoder_filters is None else tuple(int(f) for f in decoder_filters)
        likelihood = likelihoods_lib.get(kwargs.get("likelihood", "bernoulli"))
        if not isinstance(likelihood, likelihoods_lib.Bernoulli):
            raise ValueError(f"PixelVAE models binary pixels (likelihood 'bernoulli'), got {likelihood.name!r}")
        super().__init__(**kwargs)
        # z (and label) -> the head's feature maps: computed once per image when generating.
        self.decoder_features = keras.Model(self.decoder.inputs[:-1], self._feature_maps, name="decoder_features")
        self.pixel_head = self.decoder.get_layer("pixel_head")

    def context_input(self):
        return keras.Input(shape=self.image_shape, name="context")

    def decoder_context(self, x):
        return x  # teacher forcing: the masks let pixel i read only the pixels before it

    def decoder_body(self, features, context):
        filters = self.decoder_filters or self.filters
        if len(filters) != len(self.filters):
            raise ValueError(f"decoder_filters needs one entry per encoder stride ({len(self.filters)}), "
                             f"got {list(filters)}")
        maps = conv_decoder_features(features, self.image_shape, filters, self.hidden_units, self.activation)
        self._feature_maps = maps
        head = pixel_head(tuple(maps.shape[1:]), self.image_shape, self.param_channels, self.pixel_kernel,
                          self.pixel_layers, self.pixel_filters, self.activation)
        return head([maps, context])

    # ----- generation: one pixel at a time ------------------------------------------------
    def generate(self, z, labels=None, seed=None, batch_size=256):
        """Draws binary images pixel by pixel (raster order) given latent codes.

        Args:
            z: latent codes (n, latent_dim).
            labels: class ids, for conditional models.
            seed: seed of the pixel draws.
            batch_size: codes generated together.

        Returns:
            ``(images, probabilities)``: the drawn binary images and, at each pixel, its
            probability of being on given z and the drawn pixels before it.
        """
        z = checks.check_latents(z, self.latent_dim)
        labels = checks.check_labels(labels, self.num_classes, len(z))
        rng = np.random.default_rng(checks.check_seed(seed))
        height, width = self.image_shape[0], self.image_shape[1]
        images = np.zeros((len(z),) + self.image_shape, "float32")
        probs = np.zeros_like(images)
        for s in self._batches(len(z), batch_size):
            maps = self.decoder_features.predict_on_batch(
                self._model_inputs(z[s], None if labels is None else labels[s]))
            x = np.zeros((len(images[s]),) + self.image_shape, "float32")
            for i in range(height):
                for j in range(width):
                    # predict_on_batch runs the backend's compiled function: H*W calls, not H*W eager graphs.
                    logits = self.pixel_head.predict_on_batch([maps, x])[:, i, j]
                    p = 1.0 / (1.0 + np.exp(-logits.astype("float64")))
                    probs[s, i, j] = p
                    x[:, i, j] = (rng.random(p.shape) < p).astype("float32")
            images[s] = x
        return images, probs

    def decode(self, z, labels=None, batch_size=256, seed=0):
        """Pixel probabilities along one autoregressive draw from p(x|z) (``generate``), shape (n, *image_shape)."""
        return self.generate(z, labels, seed=seed, batch_size=batch_size)[1]

    def sample(self, n, labels=None, seed=None):
        """``n`` images: z ~ N(0, I), then pixels drawn one at a time; returns their probabilities."""
        n = checks.check_sample_count(n, self.image_shape)
        seed = checks.check_seed(seed)
        if self.conditional and labels is None:
            labels = np.arange(n) % self.num_classes
        z = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype("float32")
        return self.decode(z, labels, seed=seed)

    def get_config(self):
        return {
            **super().get_config(),
            "pixel_kernel": self.pixel_kernel,
            "pixel_layers": self.pixel_layers,
            "pixel_filters": self.pixel_filters,
            "decoder_filters": None if self.decoder_filters is None else list(self.decoder_filters),
        }


__all__ = ["PixelVAE", "MaskedConv2D", "causal_mask"]
