"""The ``keras-vae export`` subcommand.

Wire it into the main parser with ``keras_vae.export.cli.add_parser(subparsers)``; the
handler is stored as ``func`` and raises ValueError / FileNotFoundError on bad input,
which ``keras_vae.cli.main`` reports as ``keras-vae: error: ...``.
"""

import os

HELP = "export a model to SavedModel, TFLite and ONNX, verified against Keras, with a manifest"


def load_source(name_or_path):
    """``keras_vae.saving.load_source``: the loader every ``keras-vae`` command shares."""
    from keras_vae.saving import load_source as load

    return load(name_or_path)


def _default_out(name_or_path):
    stem = os.path.basename(name_or_path.rstrip(os.sep))
    return os.path.join("dist", stem[: -len(".keras")] if stem.endswith(".keras") else stem)


def _report(manifest, out):
    print(f"exported {manifest['model']['source'] or manifest['model']['name']} to {out}")
    print(f"reference data: {manifest['reference_data']['source']} ({manifest['reference_data']['verification']})")
    header = f"{'format':12s} {'variant':13s} {'graph':8s} {'parity':8s} {'mean score change':>17s}"
    print(f"{header}  max abs error vs Keras")
    for r in manifest["verification"]["artifacts"]:
        change = r.get("mean_score_change")
        change = "" if change is None else f"{change:+.3g}"
        status = "ok" if r["exact"] else "reported"
        errors = ", ".join(f"{k} {v:.3g}" for k, v in r["max_abs"].items())
        print(f"{r['format']:12s} {r['variant']:13s} {r['graph']:8s} {status:8s} {change:>17s}  {errors}")
    for graph, why in manifest.get("graphs_left_out", {}).items():
        print(f"left out: {graph} graph ({why})")
    for graph, why in manifest["formats"].get("tflite", {}).get("left_out", {}).items():
        print(f"left out of tflite: {graph} graph ({why['reason']})")
    for graph, why in manifest["formats"].get("tflite", {}).get("refused", {}).items():
        print(f"refused: {why['reason']}")
    for variant, s in manifest.get("tflite_summary", {}).items():
        ratio = f"{s['compression_vs_float32']:.2f}x smaller than float32"
        ratio = "float32 baseline" if variant == "float32" else ratio
        print(f"tflite {variant:13s} {s['size_bytes'] / 1e6:8.2f} MB ({ratio})")


def cmd_export(args):
    """Handler of ``keras-vae export``; returns the manifest dict."""
    from keras_vae import export
    from keras_vae.export import staging

    # Cheap checks first, so bad input fails before a model is loaded or anything written.
    formats = export.parse_formats(args.format)
    export.require_packages(formats)
    out = args.out or _default_out(args.name)
    staging.check_destination(out, args.overwrite)
    model, recipe, source = load_source(args.name)
    manifest = export.export(
        model, out, formats, overwrite=args.overwrite, recipe=recipe, source=source, reference=args.reference,
        dataset=args.dataset, data_dir=args.data_dir, verify_examples=args.verify_examples,
        calibration_examples=args.calibration_examples, opset=args.opset,
    )
    _report(manifest, out)
    return manifest


def add_parser(subparsers):
    """Registers ``export`` on an ``argparse`` subparsers object; returns its parser.

    Args:
        subparsers: the result of ``parser.add_subparsers()``.
    """
    from keras_vae import cli_args
    from keras_vae.export import reference_data

    p = subparsers.add_parser("export", help=HELP, description=HELP)
    p.add_argument("name", help="zoo name (shipped weights) or path to a .keras model")
    p.add_argument("--format", default="all", help="comma-separated saved_model,tflite,onnx, or 'all' (default)")
    p.add_argument("--out", help="output folder, created atomically (default dist/NAME)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an earlier export in --out (a folder that is not a keras-vae export is never replaced)")
    p.add_argument("--data-dir", help="folder of the dataset's original files (or set $KERAS_VAE_DATA_DIR)")
    p.add_argument("--dataset", help="dataset of the verification and calibration data (default: recipe's, or mnist)")
    p.add_argument(
        "--reference", choices=reference_data.SOURCES, default="auto",
        help="verification/calibration data: the dataset, the model's own samples, or auto (dataset if available)",
    )
    p.add_argument("--verify-examples", type=cli_args.positive_int, default=32, help="size of the fixed verification batch")
    p.add_argument("--calibration-examples", type=cli_args.positive_int, default=256, help="training images for int8 calibration")
    p.add_argument("--opset", type=cli_args.positive_int, help="ONNX opset (default 17)")
    p.set_defaults(func=cmd_export)
    return p
