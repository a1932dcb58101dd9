"""Data compression with a trained VAE: lossless bits-back coding and lossy latent codes.

Modules, one concept each:
    latents    equal-prior-mass buckets of a latent dimension, posterior mass per bucket
    bitsback   BB-ANS (Townsend, Bird & Barber, 2019) over constriction's ANS stack coder
    lossy      quantised posterior means, entropy-coded, decoded to the mean image
    networks   the model as the coders see it (the one adapter over encoder/decoder)
    container  the ``.kvz`` file: header, payload, checksums
    codec      ``compress`` / ``decompress``
    cli        ``keras-vae compress`` / ``keras-vae decompress``

Needs the ``compression`` extra: ``pip install 'keras-vae[compression]'`` (constriction, scipy).

Example:
>>> from keras_vae import zoo
>>> from keras_vae.compression import compress, decompress
>>> model = zoo.load("conv_mnist")
>>> blob = compress(model, binary_images, name="conv_mnist")
>>> restored = decompress(model, blob, name="conv_mnist")
"""

from keras_vae.compression.codec import DEFAULT_LATENT_BITS, check_binary_images, compress, decompress
from keras_vae.compression.container import CompressedFileError

__all__ = ["compress", "decompress", "CompressedFileError", "check_binary_images", "DEFAULT_LATENT_BITS"]
