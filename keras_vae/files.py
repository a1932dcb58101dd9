"""File helpers shared by data, zoo, training, export and tasks: checksums, versions and atomic writes.

Every file keras_vae writes goes through ``atomic_path``: the writer fills a temporary
file beside the target, which is renamed onto it only when the writer returned, so a
reader (or a crash) never sees half a file, and a failed write leaves nothing behind.
"""

import contextlib
import os
import platform
import tempfile
from importlib import metadata
from pathlib import Path

from keras_vae.runtime.hashing import sha256

__all__ = ["atomic_path", "package_versions", "sha256", "write_bytes_atomic", "write_text_atomic"]


@contextlib.contextmanager
def atomic_path(path):
    """A temporary path beside ``path``, renamed onto it when the ``with`` block ends without error.

    The temporary name keeps ``path``'s suffixes (``x.weights.h5`` -> ``.x-partial-*.weights.h5``),
    for writers that choose a format by suffix. On an error it is removed and the target
    is left as it was.

    Args:
        path: the file to write.

    Example:
    >>> with atomic_path("run/model.weights.h5") as tmp:
    ...     model.save_weights(tmp)
    """
    path = Path(path)
    if not path.parent.is_dir():  # say so by the target's name, not mkstemp's temporary one
        raise FileNotFoundError(f"cannot write {path}: folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-partial-", suffix="".join(path.suffixes), dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    # mkstemp creates 0600; give the file the mode a plain open() would (0666 less the umask),
    # so exports and weights stay readable to whoever could read the folder.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(path, text):
    """Writes ``text`` to ``path`` atomically (see ``atomic_path``)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def write_bytes_atomic(path, data):
    """Writes ``data`` to ``path`` atomically (see ``atomic_path``)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def package_versions(distributions, python=False):
    """Installed versions of ``distributions`` (None where absent), for cards and manifests.

    Args:
        distributions: distribution names (``"tensorflow"``), or a dict {key: distribution}
            to report them under other keys.
        python: add ``"python"``: the interpreter's version.

    Example:
    >>> package_versions(["numpy"])
    {'numpy': '2.4.6'}
    """
    names = distributions if isinstance(distributions, dict) else {d: d for d in distributions}
    out = {}
    for key, dist in names.items():
        try:
            out[key] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[key] = None
    if python:
        out["python"] = platform.python_version()
    return out
