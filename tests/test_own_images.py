"""Training on your own images: a folder of PNG/JPEG files, a .npy array, or the Python path."""

import json

import numpy as np
import pytest
from PIL import Image

from keras_vae import cli, data


def write_pngs(folder, n=12, size=(8, 12), mode="L"):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        shape = size if mode == "L" else size + (3,)
        Image.fromarray((rng.random(shape) * 255).astype("uint8"), mode=mode).save(folder / f"img_{i:02d}.png")
    return folder


def test_folder_npy_and_array_load_alike(tmp_path):
    folder = write_pngs(tmp_path / "pngs")
    images = data.load_image_folder(folder)
    assert images.shape == (12, 8, 12, 1) and images.dtype == np.uint8
    np.save(tmp_path / "a.npy", images[..., 0])  # (n, h, w): gains a channel axis
    np.testing.assert_array_equal(data.load_image_folder(tmp_path / "a.npy"), images)
    np.testing.assert_array_equal(data.load_image_folder(images / 255.0), images)  # floats in [0, 1]
    resized = data.load_image_folder(folder, image_size=(16, 16), channels=3)
    assert resized.shape == (12, 16, 16, 3)
    batches = list(data.from_images(folder, batch_size=5, binarize="dynamic"))
    assert [len(b) for b in batches] == [5, 5, 2]
    assert set(np.unique(np.concatenate(batches))) <= {0.0, 1.0}


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p, "holds no .png"),
        (lambda p: np.save(p / "x.npy", np.full((3, 4, 4), 300, "int32")) or p / "x.npy", "0..255"),
        (lambda p: np.save(p / "x.npy", np.full((3, 4, 4), 2.0)) or p / "x.npy", r"\[0, 1\]"),
        (lambda p: np.save(p / "x.npy", np.zeros((3, 4))) or p / "x.npy", "expected images of shape"),
    ],
)
def test_bad_images_are_refused(tmp_path, make, message):
    with pytest.raises(ValueError, match=message):
        data.load_image_folder(make(tmp_path))


def test_mixed_sizes_need_image_size(tmp_path):
    write_pngs(tmp_path, n=2, size=(8, 8))
    Image.new("L", (5, 5)).save(tmp_path / "z.png")
    with pytest.raises(ValueError, match="differ in size.*--image-size"):
        data.load_image_folder(tmp_path)
    assert data.load_image_folder(tmp_path, image_size=(8, 8)).shape == (3, 8, 8, 1)


def test_cli_trains_on_a_folder_of_pngs(tmp_path, capsys):
    folder = write_pngs(tmp_path / "my images", n=12, size=(8, 12))
    out = tmp_path / "run"
    code = cli.main(["train", "--images", str(folder), "--model", "conv", "--epochs", "1", "--latent-dim", "2",
                     "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    card = json.loads((out / "card.json").read_text())
    assert card["images"] == {"shape": [8, 12, 1], "train": 11, "holdout": 1}
    assert np.isfinite(card["test"]["nll"]) and card["test"]["nll_examples"] == 1
    assert "Held-out figures (1 of the images" in (out / "card.md").read_text()
    # the run's model.keras feeds every other command
    assert cli.main(["sample", str(out / "model.keras"), "--n", "4", "--out", str(tmp_path / "s.png")]) == 0
    assert np.asarray(Image.open(tmp_path / "s.png")).shape == (2 * 9 + 1, 2 * 13 + 1)


def test_cli_conv_refuses_sides_not_divisible_by_4(tmp_path, capsys):
    folder = write_pngs(tmp_path / "odd", n=3, size=(10, 10))
    code = cli.main(["train", "--images", str(folder), "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 2 and "divisible by 4" in err and "--image-size" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()
