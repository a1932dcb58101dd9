"""Atomic output: an export is built in a hidden sibling folder and renamed into place.

A failing export (a converter error, a parity mismatch, Ctrl-C) removes the staging
folder and any parent folders it created, so it leaves nothing behind; a successful
one appears all at once, with its manifest.
"""

import contextlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path


def check_destination(out_dir, overwrite=False):
    """Validates an output folder before any work is done.

    Args:
        out_dir: the folder to create.
        overwrite: allow replacing an existing non-empty folder.

    Returns:
        the absolute ``Path``.

    Raises:
        ValueError: the path is a file, a non-empty folder without ``overwrite``, or
            lies somewhere that cannot be written.
    """
    out = Path(out_dir).expanduser().absolute()
    if out.exists():
        if not out.is_dir():
            raise ValueError(f"output path {out} exists and is not a folder")
        if any(out.iterdir()) and not overwrite:
            raise ValueError(
                f"output folder {out} exists and is not empty; pass overwrite=True (CLI: --overwrite) to replace it"
            )
    ancestor = out.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ValueError(f"cannot create output folder {out}: {ancestor} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ValueError(f"output folder {out} is not writable: no write permission on {ancestor}")
    return out


def _make_parents(folder, created):
    for parent in reversed([folder, *folder.parents]):
        if not parent.exists():
            parent.mkdir()
            created.append(parent)


def _remove_created(created):
    for folder in reversed(created):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if still empty


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _move_into_place(stage, out):
    # mkdtemp makes 0700 folders; the result should look like any folder the user makes.
    os.chmod(stage, 0o777 & ~_umask())
    if not out.exists():
        os.replace(stage, out)
        return
    # rename() cannot replace a non-empty folder: move the old one aside first, and put
    # it back if the second rename fails, so the destination is never lost.
    old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
    os.replace(out, old)
    try:
        os.replace(stage, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged(out_dir, overwrite=False):
    """Yields an empty staging folder that becomes ``out_dir`` when the block succeeds.

    Args:
        out_dir: the final folder.
        overwrite: replace an existing non-empty ``out_dir``.

    Raises:
        ValueError: see ``check_destination``; also if the staging folder cannot be made.
    """
    out = check_destination(out_dir, overwrite)
    created = []
    try:
        _make_parents(out.parent, created)
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except OSError as e:
        _remove_created(created)
        raise ValueError(f"cannot write the output folder {out}: {e}") from e
    try:
        yield stage
        _move_into_place(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        _remove_created(created)
        raise
