"""``keras-vae similar``: the catalogue items most similar to one image (content-based recommendation).

The catalogue is the training split of the model's dataset, indexed by the model's
posterior means (``keras_vae.tasks.retrieval``); the query is a test image (by index) or
an image file (a 28x28 greyscale PNG, or a ``.npy`` array in [0, 1] or uint8).

Example:
    keras-vae similar conv_fashion_mnist --image 0 --k 8 --data-dir ../shared/data/fashion_mnist --out neighbours.png
    keras-vae similar conv_fashion_mnist --image my_shirt.png --data-dir ../shared/data/fashion_mnist
"""

import os

from keras_vae.cli_args import DATASET_HELP, model_dataset

HELP = "the k catalogue (training) items most similar to an image, by latent code; a PNG of them"


def read_query(image, shape, dataset=None, data_dir=None):
    """One query image (h, w, c) float32 in [0, 1]: a test-split index, a PNG file or a .npy file.

    Raises:
        FileNotFoundError: a path that does not exist.
        ValueError: an index out of range, an unreadable file or an image of the wrong size.
    """
    import numpy as np

    if image.isdigit():
        from keras_vae import data

        x_test, _ = data.load_images(dataset, "test", data_dir)
        index = int(image)
        if index >= len(x_test):
            raise ValueError(f"--image {index}: the {dataset} test split has {len(x_test)} images (0 to "
                             f"{len(x_test) - 1})")
        return x_test[index]
    if not os.path.isfile(image):
        raise FileNotFoundError(f"--image {image}: no such file (give a test-image index, a PNG or a .npy file)")
    if image.endswith(".npy"):
        try:
            arr = np.load(image, allow_pickle=False)
        except Exception as e:  # noqa: BLE001 - any unreadable file is the user's input problem
            raise ValueError(f"--image {image}: not a readable .npy array ({e})") from e
    else:
        from PIL import Image, UnidentifiedImageError

        try:
            arr = np.asarray(Image.open(image).convert("L"))
        except UnidentifiedImageError as e:
            raise ValueError(f"--image {image}: not an image file PIL can read") from e
    if arr.dtype == np.uint8:
        arr = arr.astype("float32") / 255.0
    if arr.ndim == len(shape) - 1:
        arr = arr[..., None]
    if arr.shape != tuple(shape):
        raise ValueError(f"--image {image}: expected a {'x'.join(map(str, shape[:2]))} greyscale image, got shape "
                         f"{arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating) or arr.min() < 0 or arr.max() > 1:
        raise ValueError(f"--image {image}: pixel values must be uint8 or floats in [0, 1]")
    return arr.astype("float32")


def cmd_similar(args):
    """Handler of ``keras-vae similar``: prints the neighbours and writes the PNG."""
    from keras_vae import data
    from keras_vae.export.cli import load_source
    from keras_vae.images import save_png
    from keras_vae.tasks import retrieval

    model, recipe, _ = load_source(args.name)
    dataset = model_dataset(recipe, args.dataset)
    query = read_query(args.image, model.image_shape, dataset, args.data_dir)
    x_train, y_train = data.load_images(dataset, "train", args.data_dir, limit=args.catalogue_limit)
    index = retrieval.LatentIndex(model).fit(x_train, y_train)
    found = index.similar(query, args.k)
    names = data.get(dataset).label_names
    for rank, (i, d, c) in enumerate(zip(found["indices"], found["distances"], found["labels"]), 1):
        print(f"{rank:2d}. train item {int(i):5d}  {names[c]:12s} distance {d:.3f}")
    picture = retrieval.neighbours_grid(query[None], x_train[found["indices"]][None])
    print(f"wrote {save_png(picture, args.out)}: the query, then its {args.k} nearest of {index.size} "
          f"{dataset} training items")
    return found


def add_parser(subparsers):
    """Registers ``similar`` on the ``keras-vae`` subparsers; returns its parser."""
    from keras_vae.cli_args import positive_int

    p = subparsers.add_parser("similar", help=HELP, description=HELP)
    p.add_argument("name", help="unconditional zoo model or .keras file (e.g. conv_fashion_mnist)")
    p.add_argument("--image", required=True, help="test-split index, or a PNG / .npy file of one image")
    p.add_argument("--k", type=positive_int, default=8, help="neighbours to return")
    p.add_argument("--data-dir", help="folder of the dataset's original files (or set $KERAS_VAE_DATA_DIR)")
    p.add_argument("--dataset", help=DATASET_HELP)
    p.add_argument("--catalogue-limit", type=positive_int, help="index only the first N training items (quick runs)")
    p.add_argument("--out", default="neighbours.png")
    p.set_defaults(func=cmd_similar)
    return p
