"""VAE model families. Every class is a ``keras.Model`` with the ``VAE`` API."""

from keras_vae.models.base import VAE
from keras_vae.models.conditional import ConditionalVAE
from keras_vae.models.conv import ConvVAE
from keras_vae.models.dense import DenseVAE
from keras_vae.models.pixel import PixelVAE
from keras_vae.models.semi_supervised import SemiSupervisedVAE
from keras_vae.models.sequence import SequenceVAE
from keras_vae.models.stacked import StackedSemiSupervisedVAE
from keras_vae.models.timeseries import TimeSeriesVAE

__all__ = [
    "VAE", "DenseVAE", "ConvVAE", "ConditionalVAE", "SemiSupervisedVAE", "StackedSemiSupervisedVAE", "TimeSeriesVAE",
    "SequenceVAE", "PixelVAE",
]
