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

from keras_vae.files import sha256  # noqa: E402
from keras_vae import cards  # noqa: E402
from keras_vae.zoo.registry import WEIGHTS_DIR  # noqa: E402


def publish(run_dir):
    run = Path(run_dir)
    card = json.loads((run / "card.json").read_text())
    weights = run / "model.weights.h5"
    if sha256(weights) != card["weights_sha256"]:
        raise SystemExit(f"{weights} does not match the sha256 in {run / 'card.json'}")
    if "test" not in card:
        raise SystemExit(f"{run / 'card.json'} has no test figures; evaluate before shipping")
    name = card["name"]
    shutil.copyfile(weights, WEIGHTS_DIR / f"{name}.weights.h5")
    (WEIGHTS_DIR / f"{name}.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    (REPO / "zoo" / f"{name}.md").write_text(cards.render_markdown(card))
    print(f"published {name}: NLL {card['test']['nll']:.2f} nats, weights {weights.stat().st_size / 1e6:.1f} MB")


def zoo_table():
    """The README's recipe table, from the shipped cards (measured figures only)."""
    from keras_vae import zoo

    rows = [
        "| recipe | model | epochs | train time | test ELBO | NLL (IWAE) | card |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    untrained = False
    for name in zoo.list():
        card = zoo.card(name)
        recipe = zoo.get(name)
        if card is None:
            # A recipe without shipped weights; a hand-written card, if any, says why and how to train it.
            untrained = True
            link = f"[zoo/{name}.md](zoo/{name}.md)" if (REPO / "zoo" / f"{name}.md").exists() else ""
            rows.append(
                f"| `{name}` | {recipe.model}, latent {recipe.model_args['latent_dim']} | {recipe.epochs} (planned) | "
                f"not trained here | | | {link} |"
            )
            continue
        test = card["test"]
        nll = f"{test['nll']:.2f} ± {test['nll_stderr']:.2f}" + (" (-log p(x\\|y))" if test["nll_is_conditional"] else "")
        if test["nll_k"] != 1000 or test["nll_examples"] != 1000:
            images = "" if test["nll_examples"] == 1000 else f", {test['nll_examples']} images"
            nll += f" (k={test['nll_k']}{images})"
        rows.append(
            f"| `{name}` | {recipe.model}, latent {recipe.model_args['latent_dim']} | {card['epochs']} | "
            f"{card['train_seconds'] / 60:.0f} min | {test['test_elbo']:.2f} | {nll} | [zoo/{name}.md](zoo/{name}.md) |"
        )
    trained_on = sorted({zoo.get(n).dataset for n in zoo.list() if zoo.card(n) is not None}) or ["mnist"]
    if trained_on == ["mnist"]:
        test_sets = "MNIST test set"
    else:
        titles = ", ".join(cards.dataset_title(d) for d in trained_on)
        test_sets = f"test set of each recipe's dataset ({titles})"
    rows += [
        "",
        f"Nats per image on the binarised {test_sets} (fixed binarisation seed 0): ELBO over all 10,000",
        "images; NLL = -log p(x) by the IWAE bound with k=1000 on 1000 test images drawn once with a fixed seed (± its",
        "standard error over images). Trained on 2 CPU cores; each card has the exact command.",
    ]
    if untrained:
        rows += [
            "",
            "*not trained here*: the recipe ships no weights (`keras_vae.zoo.load` raises FileNotFoundError); train it",
            "with `keras-vae train NAME --data-dir DIR --out runs/NAME` (its card, where linked, says why it was not).",
        ]
    return "\n".join(rows)


def update_readme():
    readme = REPO / "README.md"
    text = readme.read_text()
    start, end = "<!-- zoo-table -->", "<!-- /zoo-table -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{zoo_table()}\n{end}{tail}")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        publish(arg)
    update_readme()
