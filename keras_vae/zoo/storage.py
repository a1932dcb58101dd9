"""Float16 storage of shipped weights: half the bytes, measured before it is shipped.

A ``.weights.h5`` file whose float32 arrays are stored as float16 loads with the same
``model.load_weights`` call: Keras casts each array to its variable's dtype, so the
model computes in float32 with weights rounded to float16 (11 significant bits).
Arrays that are not float32 (the int32 step counter, any integer state) are copied
bit for bit. The shipped file's sha256 in the card is that of the float16 file.

Rounding changes the model a little, so nothing is converted blind: ``measure`` scores
the float32 and the float16 weights on the same binarised test images with the same
posterior noise, and ``zoo/store_float16.py NAME`` converts only when the test ELBO
moves by less than ``MAX_ELBO_CHANGE`` nats, then re-evaluates the card.

Example:
>>> from keras_vae.zoo import storage
>>> storage.to_float16("conv_mnist.weights.h5", "/tmp/conv_mnist.f16.weights.h5")
>>> storage.stored_dtype("/tmp/conv_mnist.f16.weights.h5")
'float16'
"""

import numpy as np

from keras_vae.files import atomic_path

MAX_ELBO_CHANGE = 0.1  # nats: the largest test-ELBO change float16 storage may cost
FLOAT16_MAX = float(np.finfo(np.float16).max)


def _copy_attrs(source, target):
    for key, value in source.attrs.items():
        target.attrs[key] = value


def to_float16(src, dst):
    """Writes ``src`` (a Keras ``.weights.h5``) to ``dst`` with float32 arrays stored as float16.

    Args:
        src: the float32 weights file.
        dst: the file to write (atomically; may not be ``src``'s path while reading).

    Returns:
        ``{"arrays": n, "float16": converted, "kept": [names of arrays copied exactly]}``.

    Raises:
        ValueError: an array holds a value float16 cannot represent (|w| > 65504 or not finite),
            or the file has no float32 array at all (nothing is written).
    """
    import h5py

    counts = {"arrays": 0, "float16": 0, "kept": []}
    with atomic_path(dst) as tmp, h5py.File(src, "r") as fin, h5py.File(tmp, "w") as fout:
        _copy_attrs(fin, fout)

        def visit(name, obj):
            if isinstance(obj, h5py.Group):
                _copy_attrs(obj, fout.require_group(name))
                return
            value = obj[()]
            counts["arrays"] += 1
            if getattr(value, "dtype", None) == np.float32:
                if value.size and not (np.all(np.isfinite(value)) and np.max(np.abs(value)) <= FLOAT16_MAX):
                    raise ValueError(f"{src}: array {name} has values outside float16's range; keep it float32")
                value = value.astype(np.float16)
                counts["float16"] += 1
            else:
                counts["kept"].append(name)
            _copy_attrs(obj, fout.create_dataset(name, data=value))

        fin.visititems(visit)
        if not counts["float16"]:
            raise ValueError(f"{src} holds no float32 array to store as float16 (already converted?)")
    return counts


def stored_dtype(path):
    """``"float16"`` if every float array in the weights file is float16, ``"float32"`` if none is, else ``"mixed"``."""
    import h5py

    kinds = set()
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: kinds.add(str(o.dtype)) if isinstance(o, h5py.Dataset) and o.dtype.kind == "f" else None)
    if kinds == {"float16"}:
        return "float16"
    return "float32" if "float16" not in kinds else "mixed"


def measure(recipe, float32_path, float16_path, arrays):
    """Test figures of the same model with float32 and with float16-stored weights.

    Both are scored on the same images with the same seed (paired): the full ELBO over
    ``arrays`` and the quick check slice (``evaluation.slice_protocol``: ``SLICE_EXAMPLES``
    images at IWAE ``SLICE_K``, or a token model's ``TOKEN_SLICE_*`` molecules).

    Args:
        recipe: the zoo ``Recipe``.
        float32_path, float16_path: the two weights files.
        arrays: ``(images, labels)`` of the binarised test split (a token model: its test molecules' ids).

    Returns:
        ``{"float32": figures, "float16": figures, "elbo_change", "slice_nll_change"}``; each
        ``figures`` holds ``test_elbo``, ``elbo_examples``, ``slice_elbo``, ``slice_nll`` and
        ``slice`` (the check slice's ``evaluation.evaluate`` dict, as a card records it)
        (changes are float16 minus float32, in nats; a positive ELBO change is better).
    """
    from keras_vae import evaluation

    out = {}
    for dtype, path in (("float32", float32_path), ("float16", float16_path)):
        model = recipe.build()
        model.load_weights(path)
        full = evaluation.evaluate(model, recipe.dataset, examples=1, k=1, arrays=arrays)
        n, k = evaluation.slice_protocol(model)
        quick = evaluation.evaluate(model, recipe.dataset, examples=n, k=k, elbo_examples=n, arrays=arrays)
        out[dtype] = {"test_elbo": full["test_elbo"], "elbo_examples": full["elbo_examples"],
                      "slice_elbo": quick["test_elbo"], "slice_nll": quick["nll"], "slice": quick}
    out["elbo_change"] = out["float16"]["test_elbo"] - out["float32"]["test_elbo"]
    out["slice_nll_change"] = out["float16"]["slice_nll"] - out["float32"]["slice_nll"]
    return out
