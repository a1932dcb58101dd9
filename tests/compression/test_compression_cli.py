"""``keras-vae compress`` / ``decompress``: round trips through .npy and PNG folders, one-line errors."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("constriction")

from keras_vae.cli import main  # noqa: E402

FIXTURE = Path(__file__).with_name("mnist_test_20.npy")


@pytest.fixture(scope="module")
def images():
    return np.unpackbits(np.load(FIXTURE)).reshape(20, 28, 28, 1)[:6].astype("uint8")


def one_line_error(capsys, needle):
    err = capsys.readouterr().err.strip()
    assert err.startswith("keras-vae: error:") and "\n" not in err and "Traceback" not in err, err
    assert needle in err, err


def test_npy_round_trip(tmp_path, images, capsys):
    src = tmp_path / "x.npy"
    np.save(src, images)
    assert main(["compress", "conv_mnist", str(src), "--out", str(tmp_path / "x.kvz")]) == 0
    assert "bits/dim" in capsys.readouterr().out
    assert main(["decompress", "conv_mnist", str(tmp_path / "x.kvz"), "--out", str(tmp_path / "y.npy")]) == 0
    restored = np.load(tmp_path / "y.npy")
    assert restored.dtype == np.uint8
    np.testing.assert_array_equal(restored, images)


def test_png_folder_round_trip(tmp_path, images):
    folder = tmp_path / "pngs"
    folder.mkdir()
    for i, image in enumerate(images):
        Image.fromarray(image[..., 0] * 255, mode="L").save(folder / f"{i:02d}.png")
    assert main(["compress", "conv_mnist", str(folder), "--out", str(tmp_path / "x.kvz")]) == 0
    assert main(["decompress", "conv_mnist", str(tmp_path / "x.kvz"), "--out", str(tmp_path / "out")]) == 0
    restored = np.stack([np.asarray(Image.open(p)) for p in sorted((tmp_path / "out").glob("*.png"))])
    np.testing.assert_array_equal(restored // 255, images[..., 0])
    # The folder exists now: a second decompress refuses instead of mixing files.
    assert main(["decompress", "conv_mnist", str(tmp_path / "x.kvz"), "--out", str(tmp_path / "out")]) == 2


def test_errors_are_one_line(tmp_path, images, capsys):
    src = tmp_path / "x.npy"
    np.save(src, images)
    kvz = tmp_path / "x.kvz"
    assert main(["compress", "conv_mnist", str(src), "--out", str(kvz)]) == 0
    capsys.readouterr()

    assert main(["decompress", "dense_mnist", str(kvz), "--out", str(tmp_path / "y.npy")]) == 2
    one_line_error(capsys, "compressed with model 'conv_mnist', not 'dense_mnist'")

    data = kvz.read_bytes()
    (tmp_path / "cut.kvz").write_bytes(data[: len(data) // 2])
    assert main(["decompress", "conv_mnist", str(tmp_path / "cut.kvz"), "--out", str(tmp_path / "y.npy")]) == 2
    one_line_error(capsys, "truncated")

    flipped = bytearray(data)
    flipped[-50] ^= 1
    (tmp_path / "bad.kvz").write_bytes(bytes(flipped))
    assert main(["decompress", "conv_mnist", str(tmp_path / "bad.kvz"), "--out", str(tmp_path / "y.npy")]) == 2
    one_line_error(capsys, "corrupt")
    assert not (tmp_path / "y.npy").exists()

    np.save(tmp_path / "empty.npy", np.zeros((0, 28, 28, 1), "uint8"))
    assert main(["compress", "conv_mnist", str(tmp_path / "empty.npy"), "--out", str(tmp_path / "e.kvz")]) == 2
    one_line_error(capsys, "no images")
    (tmp_path / "nopngs").mkdir()
    assert main(["compress", "conv_mnist", str(tmp_path / "nopngs"), "--out", str(tmp_path / "e.kvz")]) == 2
    one_line_error(capsys, "no images")

    np.save(tmp_path / "grey.npy", np.full((2, 28, 28, 1), 128, "uint8"))
    assert main(["compress", "conv_mnist", str(tmp_path / "grey.npy"), "--out", str(tmp_path / "g.kvz")]) == 2
    one_line_error(capsys, "8-bit")
    np.save(tmp_path / "shape.npy", np.zeros((2, 32, 32, 1), "uint8"))
    assert main(["compress", "conv_mnist", str(tmp_path / "shape.npy"), "--out", str(tmp_path / "g.kvz")]) == 2
    one_line_error(capsys, "shape")
    assert main(["compress", "conv_mnist", str(tmp_path / "missing.npy"), "--out", str(tmp_path / "g.kvz")]) == 2
    one_line_error(capsys, "does not exist")
    assert main(["compress", "conv_mnist", str(src), "--out", str(tmp_path / "x.zip")]) == 2
    one_line_error(capsys, ".kvz")
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    assert main(["compress", "conv_mnist", str(tmp_path / "junk.npy"), "--out", str(tmp_path / "g.kvz")]) == 2
    one_line_error(capsys, "cannot read")
    assert not (tmp_path / "g.kvz").exists() and not (tmp_path / "e.kvz").exists()


def test_lossy_cli(tmp_path, images, capsys):
    src = tmp_path / "x.npy"
    np.save(src, images.astype("float32"))
    assert main(["compress", "conv_mnist", str(src), "--out", str(tmp_path / "l.kvz"), "--lossy-step", "0.5"]) == 0
    assert "lossy" in capsys.readouterr().out
    assert main(["decompress", "conv_mnist", str(tmp_path / "l.kvz"), "--out", str(tmp_path / "l.npy")]) == 0
    recon = np.load(tmp_path / "l.npy")
    assert recon.shape == images.shape and np.mean((recon - images) ** 2) < 0.05
