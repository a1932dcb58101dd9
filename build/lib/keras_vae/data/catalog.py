"""Datasets by name: each entry names a TFDS builder and the image geometry.

Adding a dataset is one ``register(DatasetSpec(...))`` call; files and checksums come
from the TFDS builder itself, so nothing here duplicates TFDS's registry.
"""

import dataclasses
import difflib


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """A named image dataset served through tensorflow-datasets.

    Args:
        name: keras_vae name (``"mnist"``).
        tfds_name: TFDS builder name.
        image_shape: ``(height, width, channels)``.
        num_classes: number of label classes.
        label_names: human-readable class names.
        splits: split names to serve (``train``/``test``).
    """

    name: str
    tfds_name: str
    image_shape: tuple
    num_classes: int
    label_names: tuple
    splits: tuple = ("train", "test")


_DATASETS = {}


def register(spec):
    if spec.name in _DATASETS:
        raise ValueError(f"dataset {spec.name!r} is already registered")
    _DATASETS[spec.name] = spec
    return spec


def get(name):
    if name not in _DATASETS:
        close = difflib.get_close_matches(name, _DATASETS, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown dataset {name!r}{hint} (known: {', '.join(sorted(_DATASETS))})")
    return _DATASETS[name]


def names():
    return sorted(_DATASETS)


register(DatasetSpec("mnist", "mnist", (28, 28, 1), 10, tuple(str(i) for i in range(10))))
register(
    DatasetSpec(
        "fashion_mnist",
        "fashion_mnist",
        (28, 28, 1),
        10,
        ("t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"),
    )
)
