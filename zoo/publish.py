"""Ships a finished training run: weights and card into the package, the card's Markdown into zoo/.

    python zoo/publish.py runs/conv_mnist
    python zoo/publish.py --protocol runs/literature/dense_mnist_k1000_all.json

Refuses a run whose card is missing or whose weights do not match the card's sha256.
``--protocol FILE`` adds a literature-protocol block written by ``keras-vae evaluate NAME
--protocol literature --out FILE`` to the shipped card (beside its other figures; a block
of the same k and number of images is replaced), refusing one made from other weights.
"""

import json
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from keras_vae.files import atomic_path, sha256, write_text_atomic  # noqa: E402
from keras_vae import cards  # noqa: E402
from keras_vae.zoo.registry import WEIGHTS_DIR  # noqa: E402


def read_json(path):
    """The JSON object in ``path``, or a one-line exit naming what is wrong with the file."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise SystemExit(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SystemExit(f"{path} is not a readable JSON file ({e})") from None
    if not isinstance(data, dict):
        raise SystemExit(f"{path} holds a JSON {type(data).__name__}, not an object")
    return data


def publish(run_dir):
    run = Path(run_dir)
    if not (run / "card.json").is_file() or not (run / "model.weights.h5").is_file():
        raise SystemExit(f"{run} is not a finished run: it needs card.json and model.weights.h5 (keras-vae train NAME --out {run})")
    card = read_json(run / "card.json")
    weights = run / "model.weights.h5"
    if sha256(weights) != card["weights_sha256"]:
        raise SystemExit(f"{weights} does not match the sha256 in {run / 'card.json'}")
    if "test" not in card:
        raise SystemExit(f"{run / 'card.json'} has no test figures; evaluate before shipping")
    name = card["name"]
    # Atomic: an interrupted publish leaves the shipped files as they were, never half-copied.
    with atomic_path(WEIGHTS_DIR / f"{name}.weights.h5") as tmp:
        shutil.copyfile(weights, tmp)
    write_text_atomic(WEIGHTS_DIR / f"{name}.json", json.dumps(card, indent=2, sort_keys=True) + "\n")
    write_text_atomic(REPO / "zoo" / f"{name}.md", cards.render_markdown(card))
    print(f"published {name}: NLL {card['test']['nll']:.2f} nats, weights {weights.stat().st_size / 1e6:.1f} MB")


def add_protocol(path):
    block = read_json(path)
    name = block.get("name")
    card_path = WEIGHTS_DIR / f"{name}.json"
    if not name or not card_path.exists():
        raise SystemExit(f"{path} names no shipped model ({name!r})")
    card = json.loads(card_path.read_text())
    if block.get("weights_sha256") != card["weights_sha256"]:
        raise SystemExit(f"{path} was measured on weights {block.get('weights_sha256')}, "
                         f"not the shipped {card['weights_sha256']}: evaluate again")
    missing = [k for k in ("protocol", "nll", "nll_k", "nll_examples") if k not in block]
    if missing:
        raise SystemExit(f"{path} is not a literature-protocol block (missing {', '.join(missing)})")
    if block["protocol"] != "literature":
        raise SystemExit(f"{path} is not a literature-protocol block (protocol {block['protocol']!r})")
    key = (block["nll_k"], block["nll_examples"])
    others = [b for b in card.get("literature", []) if (b["nll_k"], b["nll_examples"]) != key]
    card["literature"] = sorted(others + [block], key=lambda b: (-b["nll_examples"], b["nll_k"]))
    write_text_atomic(card_path, json.dumps(card, indent=2, sort_keys=True) + "\n")
    write_text_atomic(REPO / "zoo" / f"{name}.md", cards.render_markdown(card))
    print(f"{name}: literature protocol NLL {block['nll']:.2f} nats (k={key[0]}, {key[1]} test images) added")


def zoo_table():
    """The README's recipe table, from the shipped cards (measured figures only)."""
    from keras_vae import zoo

    rows = [
        "| recipe | model | epochs | train time | test ELBO | NLL (IWAE) | k, test images | "
        "NLL, literature protocol (k, test images) | card |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
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
                f"not trained here | | | | | {link} |"
            )
            continue
        test = card["test"]
        nll = f"{test['nll']:.2f} ± {test['nll_stderr']:.2f}" + (" (-log p(x\\|y))" if test["nll_is_conditional"] else "")
        literature = "; ".join(
            f"{b['nll']:.2f} ± {b['nll_stderr']:.2f} (k={b['nll_k']}, "
            f"{'all ' if b['nll_examples'] == b['test_images'] else ''}{b['nll_examples']:,})"
            for b in card.get("literature", [])
        ) or "not run"
        rows.append(
            f"| `{name}` | {recipe.model}, latent {recipe.model_args['latent_dim']} | {card['epochs']} | "
            f"{card['train_seconds'] / 60:.0f} min | {test['test_elbo']:.2f} | {nll} | "
            f"k={test['nll_k']}, {test['nll_examples']:,} | {literature} | [zoo/{name}.md](zoo/{name}.md) |"
        )
    trained_on = sorted({zoo.get(n).dataset for n in zoo.list() if zoo.card(n) is not None}) or ["mnist"]
    if trained_on == ["mnist"]:
        test_sets = "MNIST test set"
    else:
        titles = ", ".join(cards.dataset_title(d) for d in trained_on)
        test_sets = f"test set of each recipe's dataset ({titles})"
    rows += [
        "",
        f"Nats per image on the binarised {test_sets} (fixed binarisation seed 0; `_8bit` recipes: the 8-bit",
        "grey levels; `selfies_moses`: nats per molecule on a seeded sample of MOSES test molecules): ELBO over all",
        "test items; NLL = -log p(x) by the IWAE bound with k importance samples on that many test items (a subset drawn",
        "once with a fixed seed; ± its standard error over images). The literature protocol (Burda et al. 2016) is",
        "the IWAE NLL on every test image at k=5000; ours is k=1000 on all 10,000 (and k=5000 on a stated subset)",
        "where 2 CPU cores allowed it (see \"Evaluation at the literature's protocol\"). Trained on 2 CPU cores;",
        "each card has the exact command.",
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
    write_text_atomic(readme, f"{head}{start}\n{zoo_table()}\n{end}{tail}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__.strip())
        raise SystemExit(0)
    if not args or args == ["--protocol"]:
        raise SystemExit(__doc__.strip())
    if args[:1] == ["--protocol"]:
        for arg in args[1:]:
            add_protocol(arg)
    else:
        for arg in args:
            publish(arg)
    update_readme()
