"""``keras-vae evaluate NAME --protocol literature``: the IWAE NLL at the literature's protocol.

All 10,000 binarised test images at k = 1000 by default (``--k 5000`` for the papers' k;
``--examples N`` for a fixed random subset), through the fast engines of
``keras_vae.importance``; ``--out FILE`` writes the card's protocol block as JSON (atomically),
which ``python zoo/publish.py --protocol FILE`` adds to a shipped card.
"""

import json
import sys

ENGINE_HELP = ("importance-weight engine: tf (tf.function, the default; quickest for the conv models here), "
               "onnx (onnxruntime), keras (eager)")


def _k_list(text):
    import argparse

    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected comma-separated positive integers, got {text!r}")
    return values


def add_arguments(parser):
    """The flags of the literature protocol on the ``evaluate`` parser."""
    from keras_vae.cli_args import positive_int
    from keras_vae.importance import ENGINES

    parser.add_argument("--protocol", choices=("quick", "full", "literature"),
                        help="quick (default: check slice, seconds), full (the card's, = --full) or literature "
                             "(IWAE on every test image, k=1000 unless --k; hours for conv models on 2 cores)")
    parser.add_argument("--engine", choices=ENGINES, default="tf", help=ENGINE_HELP + " (literature protocol only)")
    parser.add_argument("--out", help="write the literature protocol's figures to this JSON file")
    parser.add_argument("--also-k", type=_k_list, default=(),
                        help="comma-separated smaller k reported too, from the first draws of the same noise "
                             "(e.g. --k 5000 --also-k 1000: the paired k=1000 vs k=5000 difference)")
    parser.add_argument("--checkpoint", help="JSON file of per-image results: a stopped run resumes from it")
    parser.add_argument("--decodes-per-call", type=positive_int, default=None,
                        help="decoder passes per engine call (default 4096; onnx ran PixelVAE fastest at 1024)")


def check_arguments(args):
    """One-line errors for flags that mean nothing outside the literature protocol."""
    if args.full and args.protocol not in (None, "full"):
        raise ValueError(f"--full is --protocol full; it contradicts --protocol {args.protocol}")
    if args.protocol != "literature":
        for flag in ("out", "checkpoint", "decodes_per_call"):
            if getattr(args, flag) is not None:
                raise ValueError(f"--{flag.replace('_', '-')} applies to --protocol literature only")
        if args.also_k:
            raise ValueError("--also-k applies to --protocol literature only")
        if args.engine != "tf":
            raise ValueError("--engine applies to --protocol literature only")


def run(args, model, recipe, dataset):
    """Runs the literature protocol for ``keras-vae evaluate`` and prints (and optionally writes) its block."""
    from keras_vae import evaluation, files

    k = args.k or evaluation.LITERATURE_K
    sha = None
    if recipe is not None:
        from keras_vae import zoo

        sha = (zoo.card(recipe.name) or {}).get("weights_sha256")
    images = "all" if args.examples is None else args.examples
    print(f"evaluating {args.name} on the binarised {dataset} test set at the literature's protocol: IWAE NLL "
          f"with k={k} on {images} test images, engine {args.engine}", flush=True)
    block = evaluation.literature(model, dataset, args.data_dir, examples=args.examples, k=k, seed=args.seed,
                                  engine=args.engine, verbose=1 if sys.stdout.isatty() else 2, weights_sha256=sha,
                                  also_k=args.also_k, checkpoint=args.checkpoint,
                                  decodes_per_call=args.decodes_per_call)
    nll_name = "-log p(x|y)" if block["nll_is_conditional"] else "-log p(x)"
    print(f"NLL {nll_name} IWAE k={k} ({block['nll_subset']}): {block['nll']:.2f} ± {block['nll_stderr']:.2f} nats "
          f"(std. error over images)")
    for kk, row in block.get("smaller_k", {}).items():
        print(f"  at k={kk} (first {kk} of the same draws): {row['nll']:.2f} ± {row['nll_stderr']:.2f}; "
              f"minus the k={k} figure: {row['minus_nll_at_k']:+.3f} ± {row['minus_nll_at_k_stderr']:.3f} nats")
    resumed = block.get("images_from_checkpoint")
    print(f"took {block['eval_seconds']:.0f} s, {block['samples_per_second']} importance samples/s"
          + (f" ({resumed} of the images from {args.checkpoint})" if resumed else ""))
    if recipe is not None:
        block["name"] = recipe.name
    if args.out:
        files.write_text_atomic(args.out, json.dumps(block, indent=2, sort_keys=True) + "\n")
        print(f"wrote {args.out}")
    if args.json:
        print(json.dumps(block))
