"""``keras-vae``: a thin command line over the library. Heavy imports happen per command."""

import json
import os
import shlex
import sys

from keras_vae.cli_args import DATASET_HELP, model_dataset


def _quiet_tf():
    from keras_vae.cli_args import quiet_tensorflow

    quiet_tensorflow()


def _load_model(name_or_path):
    """``(model, recipe or None)`` through the one loader, ``keras_vae.saving.load_source``."""
    from keras_vae.saving import load_source

    model, recipe, _ = load_source(name_or_path)
    return model, recipe


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


def _select_backend(backend):
    """Sets KERAS_BACKEND before keras is imported (the backend is fixed at import)."""
    if backend is None:
        return
    if "keras" in sys.modules and sys.modules["keras"].backend.backend() != backend:
        raise ValueError(f"--backend {backend}: keras was already imported with another backend; set KERAS_BACKEND={backend}")
    os.environ["KERAS_BACKEND"] = backend


def _images_recipe(args):
    """A recipe for ``train --images``: the chosen family on the user's images."""
    from pathlib import Path

    from keras_vae.zoo import Recipe

    model = {"conv": "ConvVAE", "dense": "DenseVAE"}[args.model]
    model_args = dict(latent_dim=args.latent_dim, likelihood=args.likelihood, seed=args.seed)
    if args.model == "conv":
        model_args.update(filters=(32, 64), hidden_units=256)
    else:
        model_args.update(hidden_units=(512, 256))
    return Recipe(
        name=Path(args.images).stem or "images", model=model, model_args=model_args, dataset="images",
        binarize="dynamic" if args.likelihood == "bernoulli" else None, epochs=args.epochs or 20,
        batch_size=args.batch_size or 64, seed=args.seed, eval_examples=200, eval_k=100,
        lr_schedule="constant", description=f"{model} on the images in {args.images}",
    )


def _check_conv_size(shape, flag_hint):
    if shape[0] % 4 or shape[1] % 4:
        raise ValueError(
            f"--model conv needs image sides divisible by 4, got {shape[0]}x{shape[1]}; "
            f"resize with --image-size H W (e.g. {max(4, shape[0] // 4 * 4)} {max(4, shape[1] // 4 * 4)}){flag_hint}"
        )


def cmd_train(args):
    if (args.name is None) == (args.images is None):
        raise ValueError("train needs a zoo recipe NAME or --images DIR (a folder of PNG/JPEG files or a .npy array)")
    command = "keras-vae " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    verbose = 1 if sys.stdout.isatty() else 2
    if args.images is not None:
        from keras_vae import data
        from keras_vae.training import train

        images = data.load_image_folder(args.images, args.image_size, args.channels)
        if args.model == "conv":
            _check_conv_size(images.shape[1:3], "" if args.image_size else " or use --model dense")
        recipe = _images_recipe(args)
        out = args.out or os.path.join("runs", recipe.name)
        print(f"training {recipe.model} on {len(images)} images of {'x'.join(map(str, images.shape[1:]))} "
              f"from {args.images} into {out}", flush=True)
        try:
            train(recipe, out, epochs=args.epochs, command=command, limit=args.limit, verbose=verbose,
                  note=args.note, images=images, distribute=args.distribute)
        except KeyboardInterrupt:
            raise KeyboardInterrupt(f"run the same command again to resume {out} from its last completed epoch")
    else:
        from keras_vae import zoo

        for flag in ("image_size", "channels"):
            if getattr(args, flag) is not None:
                raise ValueError(f"--{flag.replace('_', '-')} applies to --images only")
        out = args.out or os.path.join("runs", args.name)
        try:
            zoo.train(args.name, out, epochs=args.epochs, data_dir=args.data_dir, command=command, limit=args.limit,
                      verbose=verbose, note=args.note, distribute=args.distribute)
        except KeyboardInterrupt:
            raise KeyboardInterrupt(f"run the same command again to resume {out} from its last completed epoch")
    print(open(os.path.join(out, "card.md")).read())


def cmd_evaluate(args):
    from keras_vae import evaluation, protocol_cli
    from keras_vae.models import checks

    protocol_cli.check_arguments(args)
    model, recipe = _load_model(args.name)
    dataset = model_dataset(recipe, args.dataset)
    if args.protocol == "literature":
        return protocol_cli.run(args, model, recipe, dataset)
    args.full = args.full or args.protocol == "full"
    full_examples = recipe.eval_examples if recipe else 1000
    full_k = recipe.eval_k if recipe else 1000
    tokens = checks.is_token_model(model)
    slice_examples, slice_k = evaluation.slice_protocol(model)
    if args.full:
        examples, k = args.examples or full_examples, args.k or full_k
    else:
        examples, k = args.examples or slice_examples, args.k or slice_k
    protocol = "full" if (examples, k) == (full_examples, full_k) else "quick"
    # Token models are scored on the card's seeded sample of MOSES test molecules.
    arrays = evaluation.test_set_for(model, limit=full_examples) if tokens else None
    what = (f"{len(arrays[0])} {dataset} test molecules: ELBO on every molecule" if tokens
            else f"the {'binarised ' if model.likelihood.name == 'bernoulli' else ''}{dataset} test set: "
                 "ELBO on every image")
    print(f"evaluating {args.name} on {what}, IWAE NLL with k={k} on {examples} of them ({protocol} protocol)",
          flush=True)
    figures = evaluation.evaluate(model, dataset, args.data_dir, examples=examples, k=k, seed=args.seed,
                                  arrays=arrays, verbose=1 if sys.stdout.isatty() else 2)
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

        card = zoo.card(recipe.name) or {}
        if "test" in card:
            print(f"{'card ELBO':44s} {card['test']['test_elbo']:.2f}")
        for key in ("test", "test_slice"):
            ref = card.get(key)
            if ref and ref["nll_examples"] == figures["nll_examples"] and ref["nll_k"] == k:
                print(f"{'card NLL':44s} {ref['nll']:.2f} (difference {figures['nll'] - ref['nll']:+.3f})")
                break
    print(f"took {figures['eval_seconds']:.0f} s", end="")
    if protocol == "quick":
        estimate = evaluation.estimate_seconds(figures, full_examples, full_k) + figures["eval_seconds"]
        print(f"; the full protocol (IWAE k={full_k} on {full_examples} images, add --full) would take about "
              f"{estimate / 60:.0f} min on this machine", end="")
    print()
    if args.json:
        print(json.dumps(figures))


def cmd_sample(args):
    import math

    from keras_vae import images
    from keras_vae.models import checks

    model, _ = _load_model(args.name)
    if checks.is_token_model(model):  # molecules: SMILES on stdout, --out draws them
        from keras_vae.molecules.sampling import print_samples

        return print_samples(model, args.n, args.seed, args.temperature, args.out)

    if args.temperature is not None:
        raise ValueError("--temperature applies to molecule models only")
    args.out = args.out or "samples.png"
    checks.check_sample_count(args.n, model.image_shape, "--n")
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
    import math

    import numpy as np

    from keras_vae import images
    from keras_vae.evaluation import test_set_for

    model, recipe = _load_model(args.name)
    dataset = model_dataset(recipe, args.dataset)
    x, y = test_set_for(model, dataset, args.data_dir)
    if args.n > len(x):
        raise ValueError(f"--n {args.n} is more than the {len(x)} test images of {dataset}")
    x, y = x[: args.n], y[: args.n]
    recon = model.reconstruct(x, y if model.conditional else None)
    # Blocks of up to 8 columns: a row of test images above the row of their reconstructions.
    cols = min(args.n, 8)
    blocks = math.ceil(args.n / cols)
    tiles = np.ones((blocks, 2, cols) + x.shape[1:], "float32")
    for i in range(args.n):
        tiles[i // cols, 0, i % cols], tiles[i // cols, 1, i % cols] = x[i], recon[i]
    images.save_png(images.grid(tiles.reshape((-1,) + x.shape[1:]), 2 * blocks, cols), args.out)
    print(f"wrote {args.out}: rows alternate test images and their reconstructions")


def cmd_manifold(args):
    import numpy as np

    from keras_vae import images
    from keras_vae.models import checks

    model, _ = _load_model(args.name)
    if model.latent_dim != 2:
        raise ValueError(f"manifold needs a 2-d latent space; this model's latent_dim is {model.latent_dim}")
    checks.check_sample_count(args.size**2, model.image_shape, "--size squared")
    if model.conditional and args.label >= model.num_classes:
        raise ValueError(f"--label must be a class in [0, {model.num_classes}), got {args.label}")
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
        from keras_vae.evaluation import subset_indices, test_set_for

        images, labels = test_set_for(model, model_dataset(recipe, args.dataset), args.data_dir)
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
    from keras_vae.cli_args import OneLineParser, non_negative_float, non_negative_int, positive_int, seed

    parser = OneLineParser(prog="keras-vae", description="A Keras 3 model zoo of variational autoencoders.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="list the zoo's recipes")
    p.add_argument("pattern", nargs="?", help="glob, e.g. 'conv_*'")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("info", help="a recipe and its card")
    p.add_argument("name")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("train", help="train a recipe, or a model on your own images (resumes a run in the same --out)")
    p.add_argument("name", nargs="?", help="zoo recipe (or give --images)")
    p.add_argument("--images", help="train on your own images: a folder of PNG/JPEG files or a .npy array")
    p.add_argument("--model", choices=("conv", "dense"), default="conv", help="family for --images (default conv)")
    p.add_argument("--image-size", type=positive_int, nargs=2, metavar=("H", "W"),
                   help="resize --images to H x W (conv needs sides divisible by 4)")
    p.add_argument("--channels", type=int, choices=(1, 3), help="--images as grey (1) or RGB (3); default: as stored")
    p.add_argument("--likelihood", choices=("bernoulli", "gaussian"), default="bernoulli",
                   help="for --images: bernoulli (binarised each epoch) or gaussian (grey levels)")
    p.add_argument("--latent-dim", type=positive_int, default=16, help="for --images (default 16)")
    p.add_argument("--batch-size", type=positive_int, help="for --images (default 64)")
    p.add_argument("--seed", type=seed, default=0, help="for --images: weights, order and binarisation")
    p.add_argument("--epochs", type=positive_int, help="override the recipe's epochs (--images: default 20)")
    p.add_argument("--data-dir", help="folder of the dataset's original files (or set $KERAS_VAE_DATA_DIR)")
    p.add_argument("--out", help="run folder (default runs/NAME)")
    p.add_argument("--limit", type=positive_int, help="train on the first N examples only (quick runs)")
    p.add_argument("--note", help="free text recorded in the card")
    p.add_argument("--backend", choices=("tensorflow", "jax", "torch"),
                   help="Keras backend (default: $KERAS_BACKEND, else tensorflow); jax/torch need keras-vae[backends]")
    p.add_argument("--distribute", choices=("none", "data-parallel"), default="none",
                   help="data-parallel over every device (JAX DataParallel, TF Mirrored/MultiWorkerMirrored); "
                        "the recipe's batch is the global batch")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="ELBO and IWAE NLL on the binarised test set, in nats (quick; --full: the card's)")
    p.add_argument("name", help="zoo name or path to a .keras model")
    p.add_argument("--full", action="store_true",
                   help="the card's protocol (IWAE k=1000 on 1000 images: many minutes on 2 cores) instead of the "
                        "quick check slice (k=100 on 200 images)")
    p.add_argument("--data-dir")
    p.add_argument("--dataset", help=DATASET_HELP)
    p.add_argument("--examples", type=positive_int, help="test images in the NLL (overrides the protocol's)")
    p.add_argument("--k", type=positive_int, help="importance samples (overrides the protocol's)")
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("--json", action="store_true", help="also print the figures as JSON")
    __import__("keras_vae.protocol_cli", fromlist=["add_arguments"]).add_arguments(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("sample", help="a PNG grid of samples (one row per class for conditional models); "
                                      "molecule models print SMILES")
    p.add_argument("name", help="zoo name or path to a .keras model")
    p.add_argument("--n", type=positive_int, default=64)
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("--out", help="PNG file (default samples.png; molecule models: a drawing of the molecules, "
                                 "only if given)")
    p.add_argument("--temperature", type=non_negative_float,
                   help="molecule models: token sampling temperature (default 1; 0 is greedy)")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("reconstruct", help="a PNG of test images and their reconstructions")
    p.add_argument("name", help="zoo name or path to a .keras model")
    p.add_argument("--n", type=positive_int, default=32)
    p.add_argument("--data-dir")
    p.add_argument("--dataset", help=DATASET_HELP)
    p.add_argument("--out", default="reconstructions.png")
    p.set_defaults(func=cmd_reconstruct)

    p = sub.add_parser("manifold", help="a PNG of the decoded 2-d latent plane")
    p.add_argument("name", help="zoo name or path to a .keras model with latent_dim 2")
    p.add_argument("--size", type=positive_int, default=20)
    p.add_argument("--label", type=non_negative_int, default=0, help="class, for a conditional model")
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
    p.add_argument("--max-dims", type=positive_int, default=10, help="most rows when --dims is not given")
    p.add_argument("--data-dir", help="base the traversal on a test image and rank dims on test images")
    p.add_argument("--dataset", help=DATASET_HELP)
    p.add_argument("--image-index", type=non_negative_int, help="test image whose posterior mean is the base (default 0)")
    p.add_argument("--examples", type=positive_int, default=500, help="test images the dims are ranked on")
    p.add_argument("--seed", type=seed, default=0, help="seed of the random test images the dims are ranked on")
    p.add_argument("--label", type=non_negative_int, default=0, help="class, for a conditional model without --data-dir")
    p.add_argument("--out", default="traversal.png")
    p.set_defaults(func=cmd_traverse)

    from keras_vae.export.cli import add_parser as add_export_parser

    add_export_parser(sub)

    from keras_vae import demo

    demo.add_parser(sub)
    __import__("keras_vae.detect", fromlist=["add_parser"]).add_parser(sub)
    from keras_vae.compression import cli as compression_cli

    compression_cli.add_parser(sub)
    from keras_vae import similar

    similar.add_parser(sub)
    return parser


# Commands that never touch TensorFlow (start-up stays instant).
_NO_TENSORFLOW = ("list", "info", "demo")


def main(argv=None):
    """Runs one command; every failure is one line on stderr and a non-zero exit code.

    Exit codes: 0 success, 2 bad input (flag, file, data, missing extra), 1 a failure
    while working (e.g. training diverged), 130 interrupted (Ctrl-C), 143 terminated.
    ``KERAS_VAE_DEBUG=1`` re-raises, with the traceback, for bug reports.
    """
    from keras_vae import cli_args, extras

    args = build_parser().parse_args(argv)
    debug = bool(os.environ.get("KERAS_VAE_DEBUG"))
    try:
        # Before TensorFlow is imported: importing it imports keras, which fixes the backend.
        _select_backend(getattr(args, "backend", None))
        if args.command not in _NO_TENSORFLOW:
            _quiet_tf()
        from keras_vae.termination import sigterm_raises

        with sigterm_raises():  # SystemExit(143), so cleanup code (staging folders, run folders) runs
            args.func(args)
    except KeyboardInterrupt as e:
        if debug:
            raise
        hint = cli_args.one_line(e)
        print("keras-vae: interrupted" + (f"; {hint}" if hint else ""), file=sys.stderr)
        return 130
    except SystemExit as e:  # SIGTERM during an export raises SystemExit(143) after cleaning up
        if e.code == 143:
            print("keras-vae: terminated", file=sys.stderr)
        raise
    except extras.MissingExtraError as e:
        return cli_args.die(e)
    except ModuleNotFoundError as e:
        if debug:
            raise
        return cli_args.die(f"{args.command} needs the Python module {e.name!r}, which is not installed: "
                            f"{extras.install_hint(e.name)}")
    except (ValueError, FileNotFoundError, ImportError) as e:
        if debug:
            raise
        return cli_args.die(e)
    except OSError as e:
        if debug:
            raise
        return cli_args.die(f"{e.filename + ': ' if e.filename else ''}{e.strerror or e}")
    except Exception as e:  # noqa: BLE001 - CLI users never see a traceback
        if debug:
            raise
        return cli_args.die(f"{type(e).__name__}: {e} (rerun with KERAS_VAE_DEBUG=1 for the traceback)", code=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
