"""``keras-vae detect``: streaming anomaly scores for a user's ``timestamp,value`` CSV.

The detector (``keras_vae.tasks.streaming``) learns from the file's first 15% (NAB's
probationary period), then scores each row from the rows up to it only. The output CSV
has ``timestamp``, the value column(s), ``anomaly_score`` in [0, 1], ``raw_score`` (nats)
and ``anomaly`` (1 where ``anomaly_score >= --threshold``).

Example:
    keras-vae detect cpu.csv --out scores.csv
    keras-vae detect cpu.csv --out scores.csv --threshold 0.7 --save-model cpu_vae.keras
"""

HELP = "streaming anomaly scores for a timestamp,value CSV (a time-series VAE trained on its first 15 percent)"


def _format(series, detection, threshold):
    header = ["timestamp", *series.columns, "anomaly_score", "raw_score", "anomaly"]
    lines = [",".join(header)]
    for i, t in enumerate(series.raw_timestamps):
        values = ",".join(repr(float(v)) for v in series.values[i])
        raw = detection.raw[i]
        raw = "" if raw != raw else repr(float(raw))  # NaN before the first full window
        score = float(detection.scores[i])
        lines.append(f"{t},{values},{score!r},{raw},{int(score >= threshold)}")
    return "\n".join(lines) + "\n"


def cmd_detect(args):
    """Handler of ``keras-vae detect``; returns the ``Detection``."""
    import dataclasses
    import os

    from keras_vae.data import nab
    from keras_vae.files import write_text_atomic
    from keras_vae.tasks import streaming

    if not 0 <= args.threshold <= 1:
        raise ValueError(f"--threshold must lie in [0, 1], got {args.threshold}")
    out_dir = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(out_dir):
        raise FileNotFoundError(f"--out folder {out_dir} does not exist")
    series = nab.read_series(args.series)
    overrides = {k: getattr(args, k) for k in ("window", "epochs", "body") if getattr(args, k) is not None}
    config = dataclasses.replace(streaming.DetectorConfig(), **overrides)
    detection = streaming.detect(series.values, config)
    write_text_atomic(args.out, _format(series, detection, args.threshold))
    if args.save_model:
        detection.model.save(args.save_model)
    alarms = int((detection.scores >= args.threshold).sum())
    print(f"{series.name}: {len(series)} rows, learned from the first {detection.probation}; "
          f"{alarms} rows at or above {args.threshold}; wrote {args.out}")
    return detection


def add_parser(subparsers):
    """Registers ``detect`` on an ``argparse`` subparsers object; returns its parser."""
    from keras_vae.cli_args import positive_int, unit_float
    from keras_vae.tasks import streaming

    p = subparsers.add_parser("detect", help=HELP, description=HELP)
    p.add_argument("series", help="CSV with header timestamp,value (or timestamp,<channel>,<channel>...)")
    p.add_argument("--out", required=True, help="output CSV")
    p.add_argument("--threshold", type=unit_float, default=streaming.DEFAULT_THRESHOLD,
                   help=f"anomaly_score from which a row is flagged (default {streaming.DEFAULT_THRESHOLD}, "
                        "NAB's standard-profile threshold for this detector)")
    p.add_argument("--window", type=positive_int, help="time steps per window")
    p.add_argument("--epochs", type=positive_int, help="training epochs")
    p.add_argument("--body", choices=("dense", "conv", "gru"), help="network body")
    p.add_argument("--save-model", help="also save the trained model as a .keras file")
    p.set_defaults(func=cmd_detect)
    return p
