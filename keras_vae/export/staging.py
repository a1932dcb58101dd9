"""Atomic output: an export is built in a hidden sibling folder and renamed into place.

A failing export (a converter error, a parity mismatch, Ctrl-C, SIGTERM) removes the
staging folder and any parent folders it created, so it leaves nothing behind; a
successful one appears all at once, with its manifest. A run killed outright (SIGKILL,
power loss) cannot clean up: its staging folder carries the process id in its name
(``.NAME.partial-PID-XXXX``), and the next export beside it removes the folders of
processes that are gone.

``overwrite`` replaces only a keras-vae export (a folder with our ``manifest.json``),
never a folder of other files.
"""

import contextlib
import json
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

from keras_vae.termination import sigterm_raises

MANIFEST = "manifest.json"  # keras_vae.export.manifest.FILE_NAME, without importing it
_STAGING = re.compile(r"^\.(?P<name>.+)\.(?:partial|old)-(?P<pid>\d+)-[0-9a-z_]+$")


def is_export(folder):
    """True if ``folder`` holds a manifest that keras-vae wrote (JSON naming keras_vae's version)."""
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "keras_vae" in (data.get("versions") or {})


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(out_dir):
    """Removes staging folders of ``out_dir`` left by export processes that no longer run.

    Returns:
        the removed paths.
    """
    out = Path(out_dir).expanduser().absolute()
    removed = []
    if not out.parent.is_dir():
        return removed
    for entry in out.parent.iterdir():
        match = _STAGING.match(entry.name)
        if match and match["name"] == out.name and entry.is_dir() and not _alive(int(match["pid"])):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def check_destination(out_dir, overwrite=False):
    """Validates an output folder before any work is done.

    Args:
        out_dir: the folder to create.
        overwrite: allow replacing an existing non-empty folder that is a keras-vae
            export (``is_export``).

    Returns:
        the absolute ``Path``.

    Raises:
        ValueError: the path is a file, a non-empty folder without ``overwrite`` or
            that is not an export, or lies somewhere that cannot be written.
    """
    out = Path(out_dir).expanduser().absolute()
    if out.exists():
        if not out.is_dir():
            raise ValueError(f"output path {out} exists and is not a folder")
        if any(out.iterdir()) and not overwrite:
            raise ValueError(
                f"output folder {out} exists and is not empty; pass overwrite=True (CLI: --overwrite) to replace it"
            )
        if any(out.iterdir()) and not is_export(out):
            raise ValueError(
                f"output folder {out} is not a keras-vae export (no {MANIFEST} written by keras-vae): "
                "overwrite replaces only earlier exports; choose another output folder"
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
    old = out.parent / f".{out.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
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
    sweep_stale(out)
    created = []
    with sigterm_raises():
        try:
            _make_parents(out.parent, created)
            stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-{os.getpid()}-", dir=out.parent))
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
