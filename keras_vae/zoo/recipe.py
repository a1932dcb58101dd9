"""A recipe: everything needed to build, train and evaluate one zoo model, as data."""

import dataclasses
from types import MappingProxyType


@dataclasses.dataclass(frozen=True)
class Recipe:
    """One zoo entry.

    Args:
        name: ``<arch>_<dataset>[_<variant>]``.
        model: class name in ``keras_vae.models``.
        model_args: constructor arguments of that class (latent size, beta, warm-up, ...).
        dataset: name in ``keras_vae.data``.
        binarize: training-time binarisation (``"dynamic"``, ``"fixed"`` or None).
        epochs: training epochs.
        batch_size: training batch size.
        learning_rate: peak Adam learning rate.
        lr_schedule: ``"constant"`` or ``"cosine"`` (decays to 5% of the peak).
        seed: seeds weights, noise, shuffling and binarisation.
        description: one line for ``keras-vae list``.
        eval_examples: test images in the card's IWAE NLL (the first n of the test set).
        eval_k: importance samples per image for that NLL.
        labels_per_class: semi-supervised recipes only: training examples per class that
            keep their label; the rest are trained on without labels.
        exclude_classes: classes left out of training (one-class-out anomaly detection).
        train_examples: train on a seeded random subset of this many training examples
            (token recipes: MOSES's 1.58M molecules do not fit a CPU's hour); None: all.
    """

    name: str
    model: str
    model_args: dict
    dataset: str = "mnist"
    binarize: str = "dynamic"
    epochs: int = 50
    batch_size: int = 128
    learning_rate: float = 1e-3
    lr_schedule: str = "cosine"
    seed: int = 0
    description: str = ""
    eval_examples: int = 1000
    eval_k: int = 1000
    labels_per_class: int | None = None
    exclude_classes: tuple = ()
    train_examples: int | None = None

    def __post_init__(self):
        # Frozen means frozen: a shared recipe's arguments cannot be edited in place.
        object.__setattr__(self, "model_args", MappingProxyType(dict(self.model_args)))
        object.__setattr__(self, "exclude_classes", tuple(int(c) for c in self.exclude_classes))

    @property
    def conditional(self):
        return self.model_args.get("num_classes") is not None or self.model == "ConditionalVAE"

    def build(self, image_shape=None):
        """An untrained model of this recipe.

        Args:
            image_shape: the images' ``(height, width, channels)``; default: the
                recipe's dataset's (``keras_vae.data.get(dataset).image_shape``).
        """
        from keras_vae import models
        from keras_vae.models import checks

        cls = getattr(models, self.model)
        if checks.is_token_model(cls):  # sequences: the length is a model argument
            return cls(**self.model_args)
        if image_shape is None:
            from keras_vae import data

            image_shape = data.get(self.dataset).image_shape
        return cls(**{"image_shape": tuple(image_shape), **self.model_args})

    def to_dict(self):
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["model_args"] = dict(self.model_args)
        out["exclude_classes"] = list(self.exclude_classes)
        return out
