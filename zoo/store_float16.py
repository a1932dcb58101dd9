"""Stores a shipped model's weights as float16 if that costs under 0.1 nat, and re-evaluates its card.

    python zoo/store_float16.py conv_mnist --data-dir ../shared/data/mnist

Measures the float32 and the float16-stored weights on the same binarised test images
with the same noise (``keras_vae.zoo.storage.measure``: ELBO on the whole test split and
the card's check slice). If the ELBO moves by less than ``storage.MAX_ELBO_CHANGE``
nats, the float16 file replaces the shipped one and the card is re-evaluated on it
(the full protocol, ``evaluation.card_figures``), with a ``storage`` record of the
measurement; otherwise nothing changes and the command exits with status 1.
``--dry-run`` measures only. ``--card quick`` re-evaluates only the check slice (the
figures ``keras-vae evaluate NAME`` and the tests reproduce) and keeps the card's
full-protocol ``test`` figures, marked as those of the float32 weights
(``test.weights_sha256``) beside the measured ELBO change: for a machine where the full
protocol (IWAE k=1000 on 1000 images) takes too long; run ``--card full`` later.
"""

import argparse
import json
import shlex
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from keras_vae import cards, evaluation, zoo  # noqa: E402
from keras_vae.files import sha256, write_bytes_atomic, write_text_atomic  # noqa: E402
from keras_vae.zoo import storage  # noqa: E402
from keras_vae.zoo.registry import WEIGHTS_DIR  # noqa: E402


def store(name, data_dir=None, dry_run=False, card_protocol="full"):
    recipe, card, path = zoo.get(name), zoo.card(name), zoo.weights_path(name)
    if card is None:
        raise SystemExit(f"{name} ships no weights")
    if sha256(path) != card["weights_sha256"]:
        raise SystemExit(f"{path} does not match the sha256 in its card")
    if storage.stored_dtype(path) != "float32":
        raise SystemExit(f"{path} is already stored as {storage.stored_dtype(path)}")
    command = "python zoo/store_float16.py " + " ".join(shlex.quote(a) for a in [name] + (
        ["--data-dir", str(data_dir)] if data_dir else []) + (["--card", card_protocol] if card_protocol != "full" else []))
    with tempfile.TemporaryDirectory(prefix="keras_vae_f16-") as scratch:
        half = Path(scratch) / f"{name}.weights.h5"
        counts = storage.to_float16(path, half)
        arrays = evaluation.card_test_set(recipe.build(), recipe, data_dir)  # what the card was scored on
        figures = storage.measure(recipe, path, half, arrays)
        before, after = path.stat().st_size, half.stat().st_size
        print(f"{name}: {before:,} -> {after:,} bytes; test ELBO {figures['float32']['test_elbo']:.5f} (float32) "
              f"{figures['float16']['test_elbo']:.5f} (float16), change {figures['elbo_change']:+.5f} nats; "
              f"check-slice NLL change {figures['slice_nll_change']:+.5f} nats", flush=True)
        if abs(figures["elbo_change"]) >= storage.MAX_ELBO_CHANGE:
            print(f"refused: float16 storage moves the test ELBO by {figures['elbo_change']:+.4f} nats "
                  f"(limit {storage.MAX_ELBO_CHANGE}); {name} stays float32")
            return 1
        if dry_run:
            return 0
        if card_protocol == "full":
            model = recipe.build()
            model.load_weights(half)
            print(f"{name}: re-evaluating the card on the float16 weights (full protocol)", flush=True)
            test, test_slice = evaluation.card_figures(model, recipe, data_dir)
        else:
            # The full-protocol figures stay those of the float32 weights, and say so.
            test = {**card["test"], "weights_sha256": card["weights_sha256"]}
            test_slice = figures["float16"]["slice"]
        new = dict(card)
        new["test"], new["test_slice"] = test, test_slice
        new["weights_sha256"] = sha256(half)
        new["storage"] = {
            "dtype": "float16",
            "float32_sha256": card["weights_sha256"],
            "float32_bytes": before,
            "float16_bytes": after,
            "arrays_kept_exact": counts["kept"],
            "test_elbo_float32": figures["float32"]["test_elbo"],
            "test_elbo_float16": figures["float16"]["test_elbo"],
            "elbo_change": figures["elbo_change"],
            "slice_nll_change": figures["slice_nll_change"],
            "elbo_examples": figures["float16"]["elbo_examples"],
            "max_elbo_change": storage.MAX_ELBO_CHANGE,
            "card": card_protocol,
            "command": command,
        }
        card_text = json.dumps(new, indent=2, sort_keys=True) + "\n"
        write_bytes_atomic(path, half.read_bytes())
    write_text_atomic(WEIGHTS_DIR / f"{name}.json", card_text)
    write_text_atomic(REPO / "zoo" / f"{name}.md", cards.render_markdown(new))
    print(f"{name}: stored as float16; card ({card_protocol}) ELBO {test['test_elbo']:.2f}, NLL {test['nll']:.2f}, "
          f"check-slice NLL {test_slice['nll']:.3f} (was {card['test']['test_elbo']:.2f}, {card['test']['nll']:.2f}, "
          f"{card['test_slice']['nll']:.3f})")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="shipped zoo model")
    parser.add_argument("--data-dir", help="folder of the dataset's original files")
    parser.add_argument("--dry-run", action="store_true", help="measure, change nothing")
    parser.add_argument("--card", choices=("full", "quick"), default="full",
                        help="re-evaluate the whole card (default) or only its check slice")
    args = parser.parse_args(argv)
    return store(args.name, args.data_dir, args.dry_run, args.card)


if __name__ == "__main__":
    sys.exit(main())
