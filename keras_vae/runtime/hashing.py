"""sha256 of a file: the one checksum keras_vae computes (data files, weights, exports).

It lives in ``keras_vae.runtime`` so that the TF-free runtime distribution, which holds
no other keras_vae module, checks exports with the same function; ``keras_vae.files``
re-exports it.
"""

import hashlib


def sha256(path):
    """Hex sha256 of a file, read in 1 MiB blocks.

    Example:
    >>> sha256("dist/conv_mnist/manifest.json")[:8]
    '3f1c...'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
