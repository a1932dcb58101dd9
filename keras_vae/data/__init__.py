"""Named datasets as tf.data pipelines, read offline through tensorflow-datasets."""

from keras_vae.data.catalog import DatasetSpec, get, names, register
from keras_vae.data.pipeline import (
    EpochCounter, binarize_fixed, epoch_dataset, labelled_subset, load_arrays, load_images, make_dataset,
    make_semi_supervised_dataset,
)
from keras_vae.data.own import from_images, load_image_folder
from keras_vae.data.source import DATA_DIR_ENV, TFDS_DIR_ENV, DataNotFoundError, prepared_builder

__all__ = [
    "DatasetSpec", "EpochCounter", "epoch_dataset", "from_images", "load_image_folder", "get", "names", "register", "binarize_fixed", "load_arrays", "load_images",
    "make_dataset", "make_semi_supervised_dataset", "labelled_subset", "DATA_DIR_ENV", "TFDS_DIR_ENV", "DataNotFoundError", "prepared_builder",
]
