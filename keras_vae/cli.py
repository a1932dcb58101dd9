"""``keras-vae``: a thin command line over the library. Heavy imports happen per command."""

import argparse
import json
import os
import shlex
import sys


def _quiet_tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _load_model(name_or_path):
    """A zoo name loads shipped weights; a path to a .keras file loads that model."""
    from keras_vae import zoo

    if name_or_path.endswith(".keras") or os.path.sep in name_or_path:
        from keras_vae.saving import load_model

        return load_model(name_or_path), None
    return zoo.load(name_or_path), zoo.get(name_or_path)


def cmd_list(args):
    from keras_vae import zoo

    for name in zoo.list(args.pattern):
        card = zoo.card(name)
        figure = "untrained"
        if card and "test" in card:
            figure = f"NLL {card['test']['nll']:.2f} nats"
        print(f"{name:20s} {figure:18s} {zoo.get(name).description}")


def cmd_info(args):
    from keras_vae import zoo

    recipe = zoo.get(args.name)
    print(json.dumps({"recipe": recipe.to_dict(), "card": zoo.card(args.name)}, indent=2, default=list))


def cmd_train(args):
    from keras_vae import zoo

    out = args.out or os.path.join("runs", args.name)
    command = "keras-vae " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    zoo.train(
        args.name, out, epochs=args.epochs, data_dir=args.data_dir, command=command, limit=args.limit,
        verbose=1 if sys.stdout.isatty() else 2, note=args.note,
    )
    print(open(os.path.join(out, "card.md")).read())


def cmd_evaluate(args):
    from keras_vae.evaluation import evaluate

    model, recipe = _load_model(args.name)
    dataset = recipe.dataset if recipe else args.dataset
    examples = args.examples or (recipe.eval_examples if recipe else 1000)
    k = args.k or (recipe.eval_k if recipe else 1000)
    figures = evaluate(model, dataset, args.data_dir, examples=examples, k=k, seed=args.seed)
    nll_name = "-log p(x|y)" if figures["nll_is_conditional"] else "-log p(x)"
    print(f"{'figure':44s} nats")
    print(f"{'ELBO (' + str(figures['elbo_examples']) + ' test images)':44s} {figures['test_elbo']:.2f}")
    label = f"NLL {nll_name} IWAE k={k} ({figures['nll_examples']} images)"
    print(f"{label:44s} {figures['nll']:.2f} ± {figures['nll_stderr']:.2f}")
    if "test_error" in figures:
        print(f"{'classification error of q(y|x) (' + str(figures['test_error_examples']) + ' images)':44s} "
              f"{100 * figures['test_error']:.2f}%")
    if recipe is not None:
        from keras_vae import zoo

        card = zoo.card(recipe.name)
        if card and "test" in card and card["test"]["nll_examples"] == figures["nll_examples"] and card["test"]["nll_k"] == k:
            print(f"{'card NLL':44s} {card['test']['nll']:.2f} (difference {figures['nll'] - card['test']['nll']:+.3f})")
    if args.json:
        print(json.dumps(figures))


def cmd_sample(args):
    import math

    from keras_vae import images

    model, _ = _load_model(args.name)
    if model.conditional:
        # One row per class, args.n images spread over the rows.
        cols = max(1, math.ceil(args.n / model.num_classes))
        labels = [c for c in range(model.num_classes) for _ in range(cols)]
        pictures = model.sample(len(labels), labels=labels, seed=args.seed)
        rows = model.num_classes
    else:
        pictures = model.sample(args.n, seed=args.seed)
        cols = math.ceil(math.sqrt(args.n))
        rows = math.ceil(args.n / cols)
    images.save_png(images.grid(pictures, rows, cols), args.out)
    print(f"wrote {args.out} ({rows}x{cols})")


def cmd_reconstruct(args):
    import numpy as np

    from keras_vae import images
    from keras_vae.evaluation import binarized_test_set

    model, recipe = _load_model(args.name)
    dataset = recipe.dataset if recipe else args.dataset
    x, y = binarized_test_set(dataset, args.data_dir)
    x, y = x[: args.n], y[: args.n]
    recon = model.reconstruct(x, y if model.conditional else None)
    pairs = np.stack([x, recon], axis=1).reshape((-1,) + x.shape[1:])
    images.save_png(images.grid(pairs, args.n // 8 * 2 or 2, 8), args.out)
    print(f"wrote {args.out}: rows alternate test images and their reconstructions")


def cmd_manifold(args):
    import numpy as np

    from keras_vae import images

    model, _ = _load_model(args.name)
    if model.latent_dim != 2:
        raise ValueError(f"manifold needs a 2-d latent space; this model's latent_dim is {model.latent_dim}")
    # Grid over the prior's quantiles, as in Kingma & Welling (2014), figure 4.
    from statistics import NormalDist

    q = np.linspace(0.05, 0.95, args.size)
    ticks = np.array([NormalDist().inv_cdf(p) for p in q], "float32")
    z = np.array([[a, b] for b in ticks[::-1] for a in ticks], "float32")
    labels = None
    if model.conditional:
        labels = np.full(len(z), args.label)
    images.save_png(images.grid(model.decode(z, labels), args.size, args.size), args.out)
    print(f"wrote {args.out} ({args.size}x{args.size} over z in [{ticks[0]:.2f}, {ticks[-1]:.2f}]^2)")


def cmd_traverse(args):
    import numpy as np

    from keras_vae.models import checks
    from keras_vae.tasks import traversal

    model, recipe = _load_model(args.name)
    dims = traversal.parse_dims(args.dims) if args.dims is not None else None
    if dims is not None:
        traversal.check_dims(dims, model.latent_dim)  # before any data is read
    traversal.check_steps(args.steps)
    traversal.check_limit(args.limit)
    checks.check_positive_int(args.max_dims, "--max-dims")
    checks.check_positive_int(args.examples, "--examples")
    x = label = kl = None
    if args.data_dir is None:
        if args.image_index is not None:
            raise ValueError("--image-index picks a test image: it needs --data-dir")
        label = args.label if model.conditional else None
        base = "z = 0" + (f" (class {label})" if model.conditional else "")
    else:
        from keras_vae.evaluation import binarized_test_set, subset_indices

        images, labels = binarized_test_set(recipe.dataset if recipe else args.dataset, args.data_dir)
        index = 0 if args.image_index is None else args.image_index
        if not 0 <= index < len(images):
            raise ValueError(f"--image-index {index} is out of range: the test split has {len(images)} images")
        x, label = images[index], (int(labels[index]) if model.conditional else None)
        rank = subset_indices(len(images), args.examples, seed=args.seed)
        kl = traversal.mean_kl_per_dim(model, images[rank], labels[rank] if model.conditional else None)
        if dims is None:
            dims = traversal.order_by_kl(kl)[: args.max_dims]
        base = f"the posterior mean of test image {index}" + (f" (class {label})" if model.conditional else "")
    decoded, dims = traversal.traversal_images(model, x, label, dims, args.steps, args.limit,
                                               max_dims=args.max_dims)
    traversal.save_png(traversal.to_grid(decoded), args.out)
    print(f"wrote {args.out} ({len(dims)}x{args.steps}): rows are latent dims {', '.join(map(str, dims))}; "
          f"columns z_dim from {-args.limit:g} to {args.limit:g}; other dims at {base}")
    if kl is not None:
        print(f"mean KL per dim over {len(rank)} random test images (nats): "
              + ", ".join(f"{j}: {kl[j]:.3f}" for j in dims)
              + f"; {int(np.sum(kl > traversal.ACTIVE_THRESHOLD))} of {model.latent_dim} dims above "
              f"{traversal.ACTIVE_THRESHOLD} nats")


def build_parser():
    parser = argparse.ArgumentParser(prog="keras-vae", description="A Keras 3 model zoo of variational autoencoders.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="list the zoo's recipes")
    p.add_argument("pattern", nargs="?", help="glob, e.g. 'conv_*'")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("info", help="a recipe and its card")
    p.add_argument("name")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("train", help="train a recipe (resumes an interrupted run in the same --out)")
    p.add_argument("name")
    p.add_argument("--epochs", type=int, help="override the recipe's epochs")
    p.add_argument("--data-dir", help="folder of the dataset's original files (or set $KERAS_VAE_DATA_DIR)")
    p.add_argument("--out", help="run folder (default runs/NAME)")
    p.add_argument("--limit", type=int, help="train on the first N examples only (quick runs)")
    p.add_argument("--note", help="free text recorded in the card")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="ELBO and IWAE NLL on the binarised test set, in nats")
    p.add_argument("name", help="zoo name or path to a .keras model")
    p.add_argument("--data-dir")
    p.add_argument("--dataset", default="mnist", help="for a .keras model")
    p.add_argument("--examples", type=int, help="test images in the NLL (default: the card's)")
    p.add_argument("--k", type=int, help="importance samples (default: the card's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="also print the figures as JSON")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("sample", help="a PNG grid of samples (one row per class for conditional models)")
    p.add_argument("name", help="zoo name or path to a .keras model")
    p.add_argument("--n", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="samples.png")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("reconstruct", help="a PNG of test images and their reconstructions")
    p.add_argument("name", help="zoo name or path to a .keras model")
    p.add_argument("--n", type=int, default=32)
    p.add_argument("--data-dir")
    p.add_argument("--dataset", default="mnist", help="for a .keras model")
    p.add_argument("--out", default="reconstructions.png")
    p.set_defaults(func=cmd_reconstruct)

    p = sub.add_parser("manifold", help="a PNG of the decoded 2-d latent plane")
    p.add_argument("name", help="zoo name or path to a .keras model with latent_dim 2")
    p.add_argument("--size", type=int, default=20)
    p.add_argument("--label", type=int, default=0, help="class, for a conditional model")
    p.add_argument("--out", default="manifold.png")
    p.set_defaults(func=cmd_manifold)

    p = sub.add_parser(
        "traverse", help="a PNG of latent traversals: one row per latent dim, its value from -limit to +limit"
    )
    p.add_argument("name", help="zoo name or path to a .keras model")
    p.add_argument("--dims", help="comma-separated latent dims, one row each (default: the most informative "
                   "by mean KL on test images with --data-dir, else 0..max-dims-1)")
    p.add_argument("--steps", type=int, default=9, help="columns: values from -limit to +limit (>= 2)")
    p.add_argument("--limit", type=float, default=3.0, help="traverse each dim over [-limit, limit]")
    p.add_argument("--max-dims", type=int, default=10, help="most rows when --dims is not given")
    p.add_argument("--data-dir", help="base the traversal on a test image and rank dims on test images")
    p.add_argument("--dataset", default="mnist", help="for a .keras model")
    p.add_argument("--image-index", type=int, help="test image whose posterior mean is the base (default 0)")
    p.add_argument("--examples", type=int, default=500, help="test images the dims are ranked on")
    p.add_argument("--seed", type=int, default=0, help="seed of the random test images the dims are ranked on")
    p.add_argument("--label", type=int, default=0, help="class, for a conditional model without --data-dir")
    p.add_argument("--out", default="traversal.png")
    p.set_defaults(func=cmd_traverse)

    from keras_vae.export.cli import add_parser as add_export_parser

    add_export_parser(sub)

    from keras_vae import demo

    demo.add_parser(sub)

    from keras_vae import similar; similar.add_parser(sub)  # noqa: E702 - one line, so merges stay trivial
    return parser


def main(argv=None):
    _quiet_tf()
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (ValueError, FileNotFoundError) as e:
        print(f"keras-vae: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
