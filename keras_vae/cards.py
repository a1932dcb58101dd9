"""Model cards: the JSON record a training run writes, and its Markdown rendering.

``card.json`` is the source of truth (shipped inside the package beside the weights);
``zoo/<name>.md`` is rendered from it, and a test checks the two agree.
"""

import json
from pathlib import Path

from keras_vae import files
from keras_vae.files import write_text_atomic

# How a card names its dataset; anything else is shown by its keras_vae name.
DATASET_TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}


def dataset_title(name):
    return DATASET_TITLES.get(name, name)


def package_versions():
    return files.package_versions(("keras-vae", "keras", "tensorflow", "tensorflow-datasets", "numpy"))


def _fmt(value, digits=2):
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _molecule_lines(card):
    """A token recipe's figures: nats per molecule on held-out MOSES test molecules, then the MOSES metrics."""
    test, sl, last = card.get("test", {}), card.get("test_slice", {}), card.get("final_epoch", {})
    lines = ["## Test figures (a seeded random subset of the MOSES test molecules), in nats per molecule", "",
             "| figure | value |", "| --- | --- |"]
    if test:
        lines += [
            f"| ELBO ({test['elbo_examples']} test molecules, 1 sample) | {_fmt(test['test_elbo'])} |",
            f"| NLL -log p(x), IWAE k={test['nll_k']}, {test['nll_examples']} test molecules | "
            f"{_fmt(test['nll'])} ± {_fmt(test['nll_stderr'])} (std. error over molecules) |",
        ]
    if last.get("val_kl"):
        lines += [f"| KL(q(z\\|x) \\|\\| p(z)) per molecule, last epoch's validation | {_fmt(float(last['val_kl']))} |"]
    if sl:
        lines += [
            f"| check slice: ELBO, {sl['elbo_examples']} molecules | {_fmt(sl['test_elbo'], 3)} |",
            f"| check slice: NLL, k={sl['nll_k']}, {sl['nll_examples']} molecules | {_fmt(sl['nll'], 3)} |",
        ]
    moses = card.get("moses")
    if moses:
        from keras_vae.molecules.metrics import MOSES_VAE

        lines += ["", f"## MOSES metrics of {moses['n']:,} sampled molecules (temperature {moses['temperature']}, "
                      f"seed {moses['seed']})", "", "| metric | this model | MOSES paper's VAE |", "| --- | --- | --- |"]
        lines += [f"| {k} | {moses[k]:.3f} | {v:.3f} |" for k, v in MOSES_VAE.items() if k in moses]
        lines += [""] + [f"- {note}" for note in moses["notes"]]
        lines += [f"- command: `{moses['command']}`"] if moses.get("command") else []
    search = card.get("qed_search")
    if search:
        lines += ["", "## Property optimisation in latent space (QED)", "",
                  f"Training median QED {search['median']:.3f} (of {search['encode_examples']} encoded training "
                  f"molecules); an MLP z -> QED reaches R^2 {search['predictor_r2']:.2f} on a held-out fifth; "
                  f"a hill climb from {search['starts']} training molecules (mean QED {search['starts_mean']:.3f}) "
                  f"over {search['steps']} rounds decoded {search['decoded']} distinct molecules, "
                  f"{search['found_count']} of them new and above the median. Best:", "",
                  "| QED | SMILES |", "| --- | --- |"]
        lines += [f"| {v:.3f} | `{s}` |" for s, v in search["found"][:5]]
    return lines + ["", "Reproduce the metrics: `python examples/molecules_moses.py` (needs keras-vae[molecules] and "
                        "molsets)", ""]


def _storage_line(storage):
    """The card's line on float16 storage (``zoo/store_float16.py``)."""
    figures = ("the figures below are of the stored weights" if storage.get("card", "full") == "full" else
               "the check slice below is of the stored weights; the full-protocol ELBO and NLL are of the float32 "
               "weights (sha256 in the storage record)")
    return (f"- weights stored as {storage['dtype']} ({storage['float16_bytes']:,} bytes; float32: "
            f"{storage['float32_bytes']:,}): test ELBO {storage['elbo_change']:+.4f} nats, check-slice NLL "
            f"{storage['slice_nll_change']:+.4f} nats against the float32 weights (`{storage['command']}`); {figures}")


def render_markdown(card):
    test = card.get("test", {})
    sl = card.get("test_slice", {})
    nll_name = "-log p(x|y)" if test.get("nll_is_conditional") else "-log p(x)"
    recipe = card["recipe"]
    lines = [
        f"# {card['name']}",
        "",
        recipe.get("description", ""),
        "",
        "## How it was made",
        "",
        "```",
        card["command"],
        "```",
        "",
        f"- model: `{recipe['model']}({', '.join(f'{k}={v!r}' for k, v in recipe['model_args'].items())})`",
        f"- data: `{recipe['dataset']}` train split ({card['train_examples']} examples), binarisation `{recipe['binarize']}`",
        f"- schedule: {card['epochs']} epochs, batch {recipe['batch_size']}, Adam lr {recipe['learning_rate']} "
        f"({recipe['lr_schedule']}), seed {card['seed']}",
        f"- parameters: {card['params']:,}",
        f"- wall time: {card['train_seconds'] / 60:.1f} min of training on {card['machine']}",
        f"- versions: {', '.join(f'{k} {v}' for k, v in card['versions'].items())}, Python {card['python']}",
        f"- weights sha256: `{card['weights_sha256']}`",
        *([_storage_line(card["storage"])] if card.get("storage") else []),
        *([f"- labels: {card['labelled_examples']['count']} labelled training images "
           f"({recipe['labels_per_class']} per class, indices in the card's JSON); the rest unlabelled"]
          if card.get("labelled_examples") else []),
        *([f"- note: {card['note']}"] if card.get("note") else []),
        "",
    ]
    if recipe["dataset"] == "moses":
        return "\n".join(lines + _molecule_lines(card))
    lines += [
        (f"## Held-out figures ({card['images']['holdout']} of the images, held out by seed"
         f"{', binarised with seed 0' if recipe['binarize'] else ''}), in nats" if card.get("images") else
         f"## Test figures (binarised {dataset_title(recipe['dataset'])} test set, fixed binarisation seed 0), in nats"
         if recipe['binarize'] else
         f"## Test figures ({dataset_title(recipe['dataset'])} test set, 8-bit grey levels), in nats"),
        "",
        "| figure | value |",
        "| --- | --- |",
    ]
    if "test_error" in test:
        lines += [
            f"| classification error of q(y\\|x) (all {test['test_error_examples']} test images) | "
            f"{100 * test['test_error']:.2f}% |"
        ]
    if test:
        lines += [
            f"| ELBO (all {test['elbo_examples']} test images, 1 sample) | {_fmt(test['test_elbo'])} |",
            f"| NLL {nll_name}, IWAE k={test['nll_k']}, {test['nll_examples']} random test images (fixed seed) | "
            f"{_fmt(test['nll'])} ± {_fmt(test['nll_stderr'])} (std. error over images) |",
        ]
        if "nll_bits_per_dim" in test:
            lines += [f"| the same NLL in bits per dimension | {_fmt(test['nll_bits_per_dim'], 4)} |"]
    for block in card.get("literature", []):
        images = (f"all {block['nll_examples']} test images" if block["nll_examples"] == block["test_images"]
                  else f"{block['nll_examples']} random test images (fixed seed)")
        lines += [
            f"| NLL {nll_name}, literature protocol: IWAE k={block['nll_k']}, {images} | "
            f"{_fmt(block['nll'])} ± {_fmt(block['nll_stderr'])} |"
        ]
        for kk, row in block.get("smaller_k", {}).items():
            lines += [
                f"| the same at k={kk} (the first {kk} of those draws; minus the k={block['nll_k']} figure: "
                f"{row['minus_nll_at_k']:+.3f} ± {row['minus_nll_at_k_stderr']:.3f}) | "
                f"{_fmt(row['nll'])} ± {_fmt(row['nll_stderr'])} |"
            ]
    if sl:
        lines += [
            f"| check slice: ELBO, {sl['elbo_examples']} random images | {_fmt(sl['test_elbo'], 3)} |",
            f"| check slice: NLL, k={sl['nll_k']}, {sl['nll_examples']} random images | {_fmt(sl['nll'], 3)} |",
        ]
    if card.get("images"):
        return "\n".join(lines + [""])
    lines += ["", f"Reproduce: `keras-vae evaluate {card['name']} --data-dir ../shared/data/{recipe['dataset']} --full` "
              "(without `--full`: the ELBO and the check slice, in seconds)", ""]
    for block in card.get("literature", []):
        examples = "" if block["nll_examples"] == block["test_images"] else f" --examples {block['nll_examples']}"
        if block.get("smaller_k"):
            examples += f" --also-k {','.join(block['smaller_k'])}"
        took = ("" if block.get("images_from_checkpoint") else f"{block['eval_seconds'] / 60:.0f} min here, ")
        lines += [f"Literature protocol (k={block['nll_k']}, {block['nll_examples']} images; "
                  f"{took}engine {block['engine']}): "
                  f"`keras-vae evaluate {card['name']} --data-dir ../shared/data/{recipe['dataset']} "
                  f"--protocol literature --k {block['nll_k']}{examples}`", ""]
    return "\n".join(lines)


def write(card, out_dir):
    out = Path(out_dir)
    write_text_atomic(out / "card.json", json.dumps(card, indent=2, sort_keys=True) + "\n")
    write_text_atomic(out / "card.md", render_markdown(card))
