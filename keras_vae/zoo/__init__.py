"""The model zoo: named recipes, untrained or with shipped weights.

Example:
>>> import keras_vae
>>> keras_vae.zoo.list()
['conv_mnist', 'conv_mnist_2d', 'cvae_mnist', 'dense_mnist']
>>> model = keras_vae.zoo.load("conv_mnist")
"""

from keras_vae.zoo.recipe import Recipe
from keras_vae.zoo.recipes import RECIPES
from keras_vae.zoo.registry import (
    CorruptWeightsError, build, card, create, get, int8_recipes, list_recipes, load, register, train, weights_path,
)

list = list_recipes  # noqa: A001 - the zoo's public verb, as in the design card

for _recipe in RECIPES:
    register(_recipe)

__all__ = ["Recipe", "CorruptWeightsError", "build", "card", "create", "get", "int8_recipes", "list", "load", "register", "train",
           "weights_path"]
