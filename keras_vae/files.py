"""File helpers shared by data, zoo, training and compression: checksums and atomic writes."""

import hashlib
import os
from pathlib import Path


def sha256(path):
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_text_atomic(path, text):
    """Writes beside the target, then renames: a reader never sees half a file."""
    tmp = Path(str(path) + ".partial")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_bytes_atomic(path, data):
    """Like ``write_text_atomic`` for bytes: a temporary file beside the target, then a rename."""
    tmp = Path(str(path) + ".partial")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
