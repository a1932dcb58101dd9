"""Latent traversals: the grid, what varies along a row, ranking dims by KL, errors, the CLI."""

import re

import numpy as np
import pytest
from PIL import Image

from keras_vae import images, zoo
from keras_vae.cli import main
from keras_vae.models import ConditionalVAE, ConvVAE
from keras_vae.tasks import traversal

CELL = 28 + 1  # an image plus the grid's 1-pixel border


def tiny(latent_dim=3):
    return ConvVAE(latent_dim=latent_dim, filters=(4, 8), hidden_units=16, seed=1)


def with_fixed_posterior(model, z_mean, z_log_var):
    """Makes the encoder ignore its input: q(z|x) = N(z_mean, exp(z_log_var)) for every image."""
    for name, bias in (("z_mean", z_mean), ("z_log_var", z_log_var)):
        layer = model.encoder.get_layer(name)
        kernel, _ = layer.get_weights()
        layer.set_weights([np.zeros_like(kernel), np.asarray(bias, "float32")])
    return model


@pytest.fixture(scope="module")
def model():
    return tiny()


@pytest.fixture(scope="module")
def x():
    return (np.random.default_rng(0).random((6, 28, 28, 1)) < 0.3).astype("float32")


def test_grid_shape_and_values(model):
    grid = traversal.traverse(model, dims=[2, 0], steps=5)
    assert grid.dtype == np.uint8 and grid.shape == (2 * CELL + 1, 5 * CELL + 1)
    decoded, dims = traversal.traversal_images(model, dims=[2, 0], steps=5)
    assert dims == [2, 0] and decoded.shape == (2, 5, 28, 28, 1)
    np.testing.assert_array_equal(grid, images.grid(decoded.reshape(10, 28, 28, 1), 2, 5))


def test_each_row_varies_only_its_dim_from_the_posterior_mean(model, x):
    base = model.encode(x[:1])[0][0]
    z = traversal.traversal_latents(base, [1, 2], steps=4, limit=2.0).reshape(2, 4, 3)
    values = np.linspace(-2.0, 2.0, 4, dtype="float32")
    for row, j in enumerate([1, 2]):
        np.testing.assert_array_equal(z[row, :, j], values)
        others = [k for k in range(3) if k != j]
        np.testing.assert_array_equal(z[row][:, others], np.tile(base[others], (4, 1)))
    decoded, _ = traversal.traversal_images(model, x=x[0], dims=[1, 2], steps=4, limit=2.0)
    np.testing.assert_allclose(decoded.reshape(8, 28, 28, 1), model.decode(z.reshape(8, 3)), atol=1e-6)
    # One image with or without its batch axis is the same base.
    again, _ = traversal.traversal_images(model, x=x[:1], dims=[1, 2], steps=4, limit=2.0)
    np.testing.assert_array_equal(decoded, again)


def test_without_an_image_the_base_is_zero(model):
    decoded, _ = traversal.traversal_images(model, dims=[0], steps=3, limit=1.0)
    z = np.array([[-1.0, 0, 0], [0, 0, 0], [1.0, 0, 0]], "float32")
    np.testing.assert_allclose(decoded[0], model.decode(z), atol=1e-6)


def test_kl_per_dim_formula_and_ordering(x):
    z_mean, z_log_var = [0.0, 2.0, 1.0, 0.05], [0.0, np.log(0.5), 0.0, 0.0]
    model = with_fixed_posterior(tiny(4), z_mean, z_log_var)
    expected = 0.5 * (np.square(z_mean) + np.exp(z_log_var) - 1.0 - np.asarray(z_log_var))
    kl = traversal.mean_kl_per_dim(model, x)
    np.testing.assert_allclose(kl, expected, rtol=1e-5, atol=1e-7)
    # Summed over dims it is the ELBO's KL term.
    np.testing.assert_allclose(kl.sum(), expected.sum(), rtol=1e-5)
    assert traversal.rank_dims(model, x) == [1, 2, 3, 0]
    assert traversal.active_dims(model, x) == [1, 2]  # dim 3: 0.00125 nats, dim 0: exactly 0
    assert traversal.active_dims(model, x, threshold=0.001) == [1, 2, 3]
    # dims=None: the most informative first when data is given, else 0, 1, ...
    assert traversal.traversal_images(model, data=x, max_dims=2)[1] == [1, 2]
    assert traversal.traversal_images(model, max_dims=2)[1] == [0, 1]
    assert traversal.traversal_images(model)[1] == [0, 1, 2, 3]  # capped at latent_dim


def test_conditional_model_draws_one_class(x):
    model = ConditionalVAE(num_classes=10, latent_dim=2, filters=(4, 8), hidden_units=16, seed=1)
    decoded, _ = traversal.traversal_images(model, x=x[0], labels=7, dims=[1], steps=3)
    base = model.encode(x[:1], [7])[0][0]
    z = traversal.traversal_latents(base, [1], steps=3)
    np.testing.assert_allclose(decoded[0], model.decode(z, [7, 7, 7]), atol=1e-6)
    with pytest.raises(ValueError, match="needs labels"):
        traversal.traverse(model, dims=[0])
    with pytest.raises(ValueError, match="one class"):
        traversal.traverse(model, labels=[1, 2], dims=[0])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\)"):
        traversal.traverse(model, labels=10, dims=[0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(dims=[3]), r"latent dimension 3 is out of range: this model's dims are 0\.\.2"),
        (dict(dims=[-1]), "latent dimension -1 is out of range"),
        (dict(dims=[0, 0]), "distinct"),
        (dict(dims=[]), "dims is empty"),
        (dict(dims=[1.5]), "dims must be integers"),
        (dict(steps=1), "steps must be an integer >= 2"),
        (dict(steps=2.5), "steps must be an integer >= 2"),
        (dict(limit=0), "limit must be a positive finite number"),
        (dict(limit=float("nan")), "limit must be a positive finite number"),
        (dict(limit="wide"), "limit must be a positive number"),
        (dict(max_dims=0), "max_dims must be a positive integer"),
        (dict(labels=3), "labels are for conditional models"),
    ],
)
def test_bad_arguments_are_clear_errors(model, kwargs, message):
    with pytest.raises(ValueError, match=message):
        traversal.traverse(model, **kwargs)


def test_bad_images_are_clear_errors(model, x):
    with pytest.raises(ValueError, match="x must be one image"):
        traversal.traverse(model, x=x[:2])
    with pytest.raises(ValueError, match="images must have shape"):
        traversal.traverse(model, x=np.zeros((1, 14, 14, 1), "float32"))
    with pytest.raises(ValueError, match="at least one image"):
        traversal.mean_kl_per_dim(model, x[:0])
    with pytest.raises(ValueError, match="comma-separated integers"):
        traversal.parse_dims("0,a")


def test_save_png_is_atomic_and_valid(model, tmp_path):
    grid = traversal.traverse(model, dims=[0], steps=3)
    out = traversal.save_png(grid, tmp_path / "t.png")
    np.testing.assert_array_equal(np.asarray(Image.open(out)), grid)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.png"]
    with pytest.raises(FileNotFoundError):
        traversal.save_png(grid, tmp_path / "missing" / "t.png")


def test_cli_on_a_saved_model(tmp_path, capsys):
    path = tmp_path / "m.keras"
    tiny().save(path)
    out = tmp_path / "t.png"
    assert main(["traverse", str(path), "--dims", "2,0", "--steps", "4", "--limit", "2", "--out", str(out)]) == 0
    assert np.asarray(Image.open(out)).shape == (2 * CELL + 1, 4 * CELL + 1)
    assert "rows are latent dims 2, 0" in capsys.readouterr().out


def test_cli_on_the_shipped_2d_model(tmp_path, capsys):
    out = tmp_path / "t.png"
    assert main(["traverse", "conv_mnist_2d", "--out", str(out)]) == 0
    picture = np.asarray(Image.open(out))
    assert picture.dtype == np.uint8 and picture.shape == (2 * CELL + 1, 9 * CELL + 1)
    assert "rows are latent dims 0, 1" in capsys.readouterr().out
    expected = traversal.traverse(zoo.load("conv_mnist_2d"))
    np.testing.assert_array_equal(picture, expected)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dims", "0,2"], "latent dimension 2 is out of range"),
        (["--dims", "x"], "comma-separated integers"),
        (["--steps", "1"], "steps must be an integer >= 2"),
        (["--limit", "-1"], "limit must be a positive finite number"),
        (["--image-index", "3"], "needs --data-dir"),
        (["--max-dims", "0"], "--max-dims: expected a positive integer"),
    ],
)
def test_cli_bad_arguments_exit_2_and_write_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "t.png"
    try:
        code = main(["traverse", "conv_mnist_2d", "--out", str(out), *args])
    except SystemExit as e:  # argument-type errors exit from argparse itself
        code = e.code
    assert code == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_cli_with_test_images_ranks_dims_by_kl(mnist_test, mnist_dir, tmp_path, capsys):
    from keras_vae.evaluation import subset_indices

    out = tmp_path / "t.png"
    args = ["traverse", "conv_mnist", "--data-dir", str(mnist_dir), "--image-index", "3", "--max-dims", "4",
            "--examples", "200", "--steps", "5", "--out", str(out)]
    assert main(args) == 0
    assert np.asarray(Image.open(out)).shape == (4 * CELL + 1, 5 * CELL + 1)
    printed = capsys.readouterr().out
    model = zoo.load("conv_mnist")
    x, _ = mnist_test
    ranked = traversal.rank_dims(model, x[subset_indices(len(x), 200, seed=0)])
    assert f"rows are latent dims {', '.join(map(str, ranked[:4]))};" in printed
    assert "posterior mean of test image 3" in printed
    kls = [float(v) for v in re.findall(r"\d+: (\d+\.\d+)", printed.splitlines()[-1])]
    assert kls == sorted(kls, reverse=True) and len(kls) == 4
    assert main([*args[:-1], str(tmp_path / "u.png"), "--image-index", "10000"]) == 2
    assert "out of range: the test split has 10000 images" in capsys.readouterr().err
