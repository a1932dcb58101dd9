"""Ships a finished training run: weights and card into the package, the card's Markdown into zoo/.

    python zoo/publish.py runs/conv_mnist

Refuses a run whose card is missing or whose weights do not match the card's sha256.
"""

import json
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from keras_vae.zoo import cards  # noqa: E402
from keras_vae.zoo.registry import WEIGHTS_DIR  # noqa: E402


def publish(run_dir):
    run = Path(run_dir)
    card = json.loads((run / "card.json").read_text())
    weights = run / "model.weights.h5"
    if cards.sha256(weights) != card["weights_sha256"]:
        raise SystemExit(f"{weights} does not match the sha256 in {run / 'card.json'}")
    if "test" not in card:
        raise SystemExit(f"{run / 'card.json'} has no test figures; evaluate before shipping")
    name = card["name"]
    shutil.copyfile(weights, WEIGHTS_DIR / f"{name}.weights.h5")
    (WEIGHTS_DIR / f"{name}.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    (REPO / "zoo" / f"{name}.md").write_text(cards.render_markdown(card))
    print(f"published {name}: NLL {card['test']['nll']:.2f} nats, weights {weights.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        publish(arg)
