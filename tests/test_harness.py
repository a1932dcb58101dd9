"""Every registered recipe (on a tiny untrained variant of its model) and every family through one harness.

A new recipe or family is tested here without new test code: shapes and the whole
inference API, the ``.keras`` round trip, and ONNX export parity through the TF-free
runtime at two batch sizes (encoder and scorer only for a family with an autoregressive
decoder, whose decoder graph the manifest records as left out).
"""

import pytest

from helpers import (
    binary_images, run_export_parity_test, run_saving_test, run_shape_test, tiny_models, tiny_recipe_model,
)
from keras_vae import zoo

# Families no recipe builds; each recipe's own class and options are covered by its case.
FAMILIES_WITHOUT_RECIPE = ["conditional_dense", "pixel"]
CASES = [f"zoo:{name}" for name in zoo.list()] + [f"family:{name}" for name in FAMILIES_WITHOUT_RECIPE]
# The API test of a 28x28 PixelVAE generates pixel by pixel (784 passes per call, 17 s): the slow
# run; "family:pixel" (4x4 images) runs it by default.
API_CASES = [pytest.param(c, marks=pytest.mark.slow) if c == "zoo:pixelvae_mnist" else c for c in CASES]


def make(case):
    kind, name = case.split(":")
    return tiny_recipe_model(name) if kind == "zoo" else tiny_models()[name]()


@pytest.mark.parametrize("case", API_CASES)
def test_shapes_and_api(case):
    model = make(case)
    run_shape_test(model, binary_images(model, 6))


@pytest.mark.parametrize("case", CASES)
def test_keras_round_trip(case, tmp_path):
    model = make(case)
    run_saving_test(model, binary_images(model, 4), tmp_path / "m.keras")


@pytest.mark.parametrize("case", CASES)
def test_onnx_export_parity_at_two_batch_sizes(case, tmp_path):
    pytest.importorskip("tf2onnx")
    model = make(case)
    # An autoregressive decoder (PixelVAE, SequenceVAE) exports encoder and scorer; the harness
    # checks that the decoder is left out with its reason and that decode says so.
    run_export_parity_test(model, tmp_path / "export", batches=(1, 5))


@pytest.mark.parametrize("name", zoo.list())
def test_tiny_variant_keeps_the_recipe_options(name):
    """The tiny model differs from the recipe's only in widths: same class, latent size, conditioning, objective."""
    recipe, tiny, full = zoo.get(name), tiny_recipe_model(name), zoo.create(name)
    assert type(tiny) is type(full)
    for key in ("latent_dim", "num_classes", "beta", "kl_warmup_steps", "capacity", "likelihood", "image_shape"):
        assert tiny.get_config()[key] == full.get_config()[key], key
    assert tiny.conditional == recipe.conditional


def test_every_family_is_covered():
    """Each tiny family (class and conditioning) is built by a recipe case or a family case."""
    cases = {(type(m), m.conditional) for m in map(make, CASES)}
    for name, factory in tiny_models().items():
        model = factory()
        assert (type(model), model.conditional) in cases, name
