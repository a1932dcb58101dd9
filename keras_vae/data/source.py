"""Finding a dataset offline: a local folder of original files, prepared through TFDS.

Resolution order for the folder of original files: the ``data_dir`` argument (CLI
``--data-dir``), then ``$KERAS_VAE_DATA_DIR``. Either may point at the files themselves
or at a parent holding ``<dataset>/``. Prepared TFDS records go to ``$KERAS_VAE_TFDS_DIR``
(default: TFDS's own ``~/tensorflow_datasets``), written by TFDS to a temporary folder
and renamed into place, so an interrupted preparation leaves nothing half-written.
"""

import os
from pathlib import Path

from keras_vae.data import catalog
from keras_vae.files import sha256

DATA_DIR_ENV = "KERAS_VAE_DATA_DIR"
TFDS_DIR_ENV = "KERAS_VAE_TFDS_DIR"


class DataNotFoundError(FileNotFoundError):
    """The dataset's original files are missing, incomplete or corrupt."""


def tfds_dir():
    return Path(os.environ.get(TFDS_DIR_ENV) or Path.home() / "tensorflow_datasets").expanduser()


def download_dir(name):
    """TFDS's download and extraction folder for one dataset (never shared between datasets)."""
    return tfds_dir() / "downloads" / name


def _expected_files(builder):
    """{filename: sha256} from the TFDS builder's registered url checksums."""
    return {info.filename: info.checksum for info in builder.url_infos.values()}


def _resolve_folder(spec, data_dir, expected):
    candidates = []
    for root in (data_dir, os.environ.get(DATA_DIR_ENV)):
        if root:
            root = Path(root).expanduser()
            candidates += [root, root / spec.name]
            break  # an explicit argument wins over the environment
    for folder in candidates:
        if folder.is_dir() and any((folder / f).exists() for f in expected):
            return folder
    return candidates[0] if candidates else None


def _check_folder(spec, folder, expected):
    listing = "\n".join(f"  {name}" for name in sorted(expected))
    if folder is None:
        raise DataNotFoundError(
            f"dataset {spec.name!r} is not prepared under {tfds_dir()} and no folder of its original files "
            f"was given. Pass data_dir= (CLI: --data-dir) or set ${DATA_DIR_ENV} to a folder holding:\n{listing}"
        )
    if not folder.is_dir():
        raise DataNotFoundError(f"data folder {folder} for dataset {spec.name!r} does not exist; it should hold:\n{listing}")
    missing = sorted(f for f in expected if not (folder / f).is_file())
    if missing:
        raise DataNotFoundError(
            f"data folder {folder} is incomplete for dataset {spec.name!r}: missing {', '.join(missing)}; "
            f"it should hold:\n{listing}"
        )
    for name, checksum in expected.items():
        if not checksum:
            continue
        actual = sha256(folder / name)
        if actual != checksum:
            owner = _dataset_of(name, actual)
            what = f"{owner}'s file, not {spec.name}'s" if owner else "corrupt"
            raise DataNotFoundError(
                f"file {folder / name} is {what}: its sha256 differs from the one TFDS registers for "
                f"{spec.tfds_name} ({checksum})"
            )


def _dataset_of(filename, checksum):
    """The registered dataset whose original file ``filename`` has this sha256 (MNIST and
    Fashion-MNIST share file names), or None."""
    import tensorflow_datasets as tfds

    for name in catalog.names():
        builder = tfds.builder(catalog.get(name).tfds_name, data_dir=str(tfds_dir()))
        if _expected_files(builder).get(filename) == checksum:
            return name
    return None


def prepared_builder(name, data_dir=None):
    """Returns a prepared TFDS builder for dataset ``name``, preparing it offline if needed."""
    import tensorflow_datasets as tfds

    spec = catalog.get(name)
    builder = tfds.builder(spec.tfds_name, data_dir=str(tfds_dir()))
    expected = _expected_files(builder)
    folder = _resolve_folder(spec, data_dir, expected)
    if folder is None and builder.is_prepared():
        return builder
    # A folder the user named is always checked, so a wrong path never passes silently.
    _check_folder(spec, folder, expected)
    if builder.is_prepared():
        return builder
    # Each dataset extracts into its own folder: TFDS names extracted files after the archive
    # alone (downloads/extracted/GZIP.train-images-idx3-ubyte.gz), and MNIST and Fashion-MNIST
    # share those names, so with one shared folder the second dataset prepared was built from
    # the first one's images (seen here: an "mnist" of Fashion-MNIST images).
    builder.download_and_prepare(
        download_dir=str(download_dir(spec.name)),
        download_config=tfds.download.DownloadConfig(
            manual_dir=str(folder), download_mode=tfds.download.GenerateMode.REUSE_DATASET_IF_EXISTS
        ),
    )
    return builder
