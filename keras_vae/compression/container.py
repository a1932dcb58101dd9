"""The ``.kvz`` file: a small self-describing container around one coded payload.

Layout (all integers little-endian)::

    b"KVZ" + format version (1 byte)
    header length (uint32) + header (UTF-8 JSON)
    payload (the coder's 32-bit words, little-endian)
    sha256 of everything above (32 bytes)

The header records the codec and its settings, the model (name, class, latent size, the
sha256 of its shipped weights file when it has one, and a fingerprint of its weight
values), the image count and shape, the payload's length and sha256, and the sha256 of
the original images (a lossless decode is checked against it). Any flipped byte fails the
trailing checksum; a short file is reported as truncated, with the lengths.

Example:
>>> blob = pack({"codec": "bbans", "count": 1}, words)
>>> header, words = unpack(blob)
"""

import hashlib
import json
import struct

import numpy as np

MAGIC = b"KVZ"
FORMAT_VERSION = 1
_DIGEST = 32


class CompressedFileError(ValueError):
    """A ``.kvz`` file that is not one, is corrupt or truncated, or belongs to another model."""


def pack(header, words):
    """The container bytes for ``header`` (a JSON-able dict) and ``words`` (uint32 array)."""
    payload = np.asarray(words, dtype="<u4").tobytes()
    header = dict(header, format_version=FORMAT_VERSION, payload_bytes=len(payload),
                  payload_sha256=hashlib.sha256(payload).hexdigest())
    head = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    body = MAGIC + bytes([FORMAT_VERSION]) + struct.pack("<I", len(head)) + head + payload
    return body + hashlib.sha256(body).digest()


def unpack(blob):
    """``(header dict, words uint32 array)`` from container bytes.

    Raises:
        CompressedFileError: not a .kvz file, an unknown version, a truncated or corrupt file.
    """
    blob = bytes(blob)
    if len(blob) == 0:
        raise CompressedFileError("the compressed file is empty")
    if not blob.startswith(MAGIC):
        raise CompressedFileError("not a keras-vae compressed file (.kvz): wrong magic bytes")
    if len(blob) < 8:
        raise CompressedFileError(f"the compressed file is truncated: {len(blob)} bytes, shorter than its preamble")
    if blob[3] != FORMAT_VERSION:
        raise CompressedFileError(
            f"unsupported .kvz format version {blob[3]}; this keras-vae reads version {FORMAT_VERSION}"
        )
    (head_len,) = struct.unpack("<I", blob[4:8])
    if len(blob) < 8 + head_len + _DIGEST:
        raise CompressedFileError(
            f"the compressed file is truncated: {len(blob)} bytes, shorter than its {head_len}-byte header"
        )
    try:
        header = json.loads(blob[8 : 8 + head_len].decode())
        payload_bytes = int(header["payload_bytes"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        raise CompressedFileError(f"the compressed file is corrupt: unreadable header ({e})") from e
    expected = 8 + head_len + payload_bytes + _DIGEST
    if len(blob) < expected:
        raise CompressedFileError(f"the compressed file is truncated: {len(blob)} bytes of {expected}")
    if len(blob) > expected:
        raise CompressedFileError(f"the compressed file is corrupt: {len(blob)} bytes, {expected} expected")
    if hashlib.sha256(blob[:-_DIGEST]).digest() != blob[-_DIGEST:]:
        raise CompressedFileError("the compressed file is corrupt: its sha256 checksum does not match")
    payload = blob[8 + head_len : 8 + head_len + payload_bytes]
    if payload_bytes % 4 or hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
        raise CompressedFileError("the compressed file is corrupt: the payload checksum does not match")
    return header, np.frombuffer(payload, dtype="<u4").astype(np.uint32)
