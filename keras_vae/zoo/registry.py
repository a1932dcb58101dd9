"""The one registry of recipes: register, list, get, create (untrained), train, load (trained)."""

import difflib
import fnmatch
import json
from pathlib import Path

from keras_vae.zoo.recipe import Recipe

WEIGHTS_DIR = Path(__file__).parent / "weights"

_RECIPES = {}


class CorruptWeightsError(ValueError):
    """A shipped weights file does not match the sha256 recorded in its card."""


def register(recipe):
    if not isinstance(recipe, Recipe):
        raise TypeError(f"register takes a Recipe, got {type(recipe).__name__}")
    if recipe.name in _RECIPES:
        raise ValueError(f"recipe {recipe.name!r} is already registered")
    _RECIPES[recipe.name] = recipe
    return recipe


def list_recipes(pattern=None):
    """Sorted recipe names, optionally filtered by a glob (``"conv_*"``)."""
    names = sorted(_RECIPES)
    return [n for n in names if fnmatch.fnmatch(n, pattern)] if pattern else names


def get(name):
    """The ``Recipe`` registered as ``name``."""
    if name not in _RECIPES:
        close = difflib.get_close_matches(str(name), _RECIPES, n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise ValueError(f"Unknown recipe {name!r}.{hint} Known recipes: {', '.join(list_recipes())}")
    return _RECIPES[name]


def build(recipe):
    """An untrained model of ``recipe`` (a ``Recipe``); the same as ``recipe.build()``."""
    return recipe.build()


def create(name):
    """An untrained model of recipe ``name``."""
    return get(name).build()


def train(name, out_dir, **kwargs):
    """Trains recipe ``name`` into ``out_dir``; see ``keras_vae.training.train``.

    The zoo calls training, never the other way round: ``keras_vae.training`` takes a
    ``Recipe`` object and builds its model with ``recipe.build()``.
    """
    from keras_vae.training import train as run

    return run(get(name), out_dir, **kwargs)


def int8_recipes():
    """Shipped image recipes whose model family offers a full-integer int8 TFLite export.

    Families that cannot (``int8_export_refusal`` on the model class, e.g. M1+M2) and
    non-image recipes are left out; the export itself still decides graph by graph.
    """
    from keras_vae import data, models

    return [n for n in list_recipes() if card(n) is not None and get(n).dataset in data.names()
            and not getattr(getattr(models, get(n).model), "int8_export_refusal", None)]


def card(name):
    """The shipped card (a dict) of recipe ``name``, or None if it ships no weights."""
    get(name)
    path = WEIGHTS_DIR / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def weights_path(name):
    return WEIGHTS_DIR / f"{name}.weights.h5"


def load(name):
    """The trained model of recipe ``name`` from the weights shipped in the package.

    Example:
    >>> model = keras_vae.zoo.load("conv_mnist")
    >>> model.sample(4).shape
    (4, 28, 28, 1)
    """
    from keras_vae.files import sha256

    recipe = get(name)
    info = card(name)
    path = weights_path(name)
    if info is None or not path.exists():
        raise FileNotFoundError(
            f"recipe {name!r} ships no trained weights; train it with `keras-vae train {name} --out DIR`"
        )
    actual = sha256(path)
    if actual != info["weights_sha256"]:
        raise CorruptWeightsError(
            f"shipped weights {path} are corrupt: sha256 {actual} differs from the card's {info['weights_sha256']}; "
            "reinstall keras-vae"
        )
    model = recipe.build()
    model.load_weights(path)
    return model
