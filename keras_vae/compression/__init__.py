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

from keras_vae.compression.container import CompressedFileError
from keras_vae.compression.latents import DEFAULT_LATENT_BITS

__all__ = ["compress", "decompress", "CompressedFileError", "check_binary_images", "DEFAULT_LATENT_BITS"]


def __getattr__(name):
    # The codec imports keras (through keras_vae.models); load it on first use so that
    # `keras-vae --help` and the CLI parser stay light.
    if name in ("compress", "decompress", "check_binary_images"):
        from keras_vae.compression import codec

        return getattr(codec, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
