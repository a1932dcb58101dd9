"""Your own images: a folder of PNG/JPEG files, a ``.npy`` file or an array, as uint8 or tf.data.

``load_image_folder`` reads them into one uint8 array ``(n, height, width, channels)``;
``from_images`` turns that into the same kind of pipeline the named datasets give
(values in [0, 1], optionally binarised afresh each epoch), for ``model.fit``.

Conversions, all documented here and nowhere silent:
    - a (n, h, w) array gains a channel axis: (n, h, w, 1);
    - float arrays must hold values in [0, 1] and are scaled to 0..255 (rounded);
      integer arrays must hold values in 0..255;
    - files are read with Pillow and converted to grey (``channels=1``, the default when
      every file is grey) or RGB (``channels=3``); an alpha channel is dropped;
    - ``image_size=(h, w)`` resizes every image (bilinear); without it all images must
      already share one size.

Example:
>>> images = keras_vae.data.load_image_folder("my_digits/", image_size=(28, 28))
>>> ds = keras_vae.data.from_images(images, binarize="dynamic")
>>> model = keras_vae.models.ConvVAE(image_shape=images.shape[1:], latent_dim=8)
>>> model.compile(optimizer="adam"); model.fit(ds, epochs=5)
"""

from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
_GREY_MODES = ("1", "L", "LA", "I", "I;16", "F")


def _check_size(image_size):
    if image_size is None:
        return None
    size = tuple(int(s) for s in image_size)
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"image_size must be two positive integers (height, width), got {image_size!r}")
    return size


def _check_channels(channels):
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1 (grey) or 3 (RGB), got {channels!r}")
    return channels


def _from_array(array, where, image_size, channels):
    arr = np.asarray(array)
    if arr.ndim == 3:
        arr = arr[..., None]
    if arr.ndim != 4 or arr.shape[-1] not in (1, 3):
        raise ValueError(
            f"{where}: expected images of shape (n, height, width) or (n, height, width, 1 or 3), got {arr.shape}"
        )
    if len(arr) == 0:
        raise ValueError(f"{where} holds no images")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or arr.min() < 0 or arr.max() > 1:
            raise ValueError(
                f"{where}: float images must hold values in [0, 1], got [{np.nanmin(arr):.4g}, {np.nanmax(arr):.4g}]"
                " (divide 0..255 pixels by 255)"
            )
        arr = np.round(arr * 255)
    elif np.issubdtype(arr.dtype, np.integer):
        if arr.min() < 0 or arr.max() > 255:
            raise ValueError(f"{where}: integer images must hold values in 0..255, got [{arr.min()}, {arr.max()}]")
    else:
        raise ValueError(f"{where}: images must be numbers, got dtype {arr.dtype}")
    arr = arr.astype("uint8")
    if channels is not None and channels != arr.shape[-1]:
        arr = np.repeat(arr, 3, axis=-1) if channels == 3 else np.round(arr.mean(axis=-1, keepdims=True)).astype("uint8")
    if image_size is not None and tuple(arr.shape[1:3]) != image_size:
        from PIL import Image

        arr = np.stack([_resize(Image.fromarray(a[..., 0] if a.shape[-1] == 1 else a), image_size) for a in arr])
        arr = arr[..., None] if arr.ndim == 3 else arr
    return arr


def _resize(image, image_size):
    from PIL import Image

    return np.asarray(image.resize((image_size[1], image_size[0]), Image.BILINEAR))


def _read_folder(folder, image_size, channels):
    from PIL import Image, UnidentifiedImageError

    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not files:
        raise ValueError(f"image folder {folder} holds no {', '.join(IMAGE_SUFFIXES)} files")
    opened = []
    for path in files:
        try:
            image = Image.open(path)
            image.load()
        except (UnidentifiedImageError, OSError) as e:
            raise ValueError(f"cannot read image {path}: {e}") from e
        opened.append((path, image))
    if channels is None:
        channels = 1 if all(im.mode in _GREY_MODES for _, im in opened) else 3
    arrays = []
    for path, image in opened:
        image = image.convert("L" if channels == 1 else "RGB")
        if image_size is not None:
            arr = _resize(image, image_size)
        else:
            arr = np.asarray(image)
            first = arrays[0].shape[:2] if arrays else arr.shape[:2]
            if arr.shape[:2] != first:
                raise ValueError(
                    f"images differ in size ({files[0].name}: {first[0]}x{first[1]}, {path.name}: "
                    f"{arr.shape[0]}x{arr.shape[1]}); pass image_size=(height, width) (CLI: --image-size H W)"
                )
        arrays.append(arr if arr.ndim == 3 else arr[..., None])
    return np.stack(arrays).astype("uint8")


def load_image_folder(source, image_size=None, channels=None):
    """Your images as one uint8 array ``(n, height, width, channels)``.

    Args:
        source: a folder of PNG/JPEG files (read recursively, in sorted order), a
            ``.npy`` file, or an array (n, h, w) / (n, h, w, c).
        image_size: ``(height, width)`` to resize to; None keeps the size (all equal).
        channels: 1 (grey) or 3 (RGB); None keeps an array's channels and, for files,
            picks grey when every file is grey.

    Raises:
        FileNotFoundError: ``source`` names no folder or file.
        ValueError: no images, unreadable files, mixed sizes without ``image_size``,
            or values outside 0..255 (integers) / [0, 1] (floats).
    """
    image_size, channels = _check_size(image_size), _check_channels(channels)
    if isinstance(source, (str, Path)):
        path = Path(source).expanduser()
        if path.is_dir():
            return _read_folder(path, image_size, channels)
        if not path.exists():
            raise FileNotFoundError(f"no image folder or .npy file at {path}")
        if path.suffix != ".npy":
            raise ValueError(f"{path} is neither a folder of images nor a .npy array")
        try:
            array = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as e:
            raise ValueError(f"cannot read {path} as a numpy array: {e}") from e
        return _from_array(array, str(path), image_size, channels)
    return _from_array(source, "images", image_size, channels)


def from_images(source, image_size=None, channels=None, batch_size=128, binarize=None, seed=0, shuffle=True):
    """A ``tf.data.Dataset`` of your images in [0, 1], batched, for ``model.fit``.

    Args:
        source: as for ``load_image_folder`` (folder, ``.npy`` file or array).
        image_size: ``(height, width)`` to resize to.
        channels: 1 or 3.
        batch_size: images per batch.
        binarize: None (grey levels, for a Gaussian likelihood or Bernoulli on
            grey levels) or ``"dynamic"`` (a fresh Bernoulli draw each epoch, for a
            Bernoulli likelihood on binarised images).
        seed: seed of order and binarisation (a function of (seed, epoch): reproducible).
        shuffle: a new order every epoch.
    """
    from keras_vae.data.pipeline import epoch_dataset

    if binarize not in (None, "dynamic"):
        raise ValueError(f"binarize must be None or 'dynamic', got {binarize!r}")
    images = load_image_folder(source, image_size, channels)
    return epoch_dataset(
        images, np.zeros(len(images), "int32"), batch_size, seed=seed, shuffle=shuffle,
        dynamic=binarize == "dynamic", with_labels=False,
    )
