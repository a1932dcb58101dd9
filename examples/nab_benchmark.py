"""The Numenta Anomaly Benchmark with a time-series VAE per series, offline.

Trains one TimeSeriesVAE per NAB series on its probationary period (first 15%), scores
every row in streaming fashion, writes NAB's results folder under --out/results/kerasVae/,
scores it with keras_vae's implementation of NAB's scorer and prints the normalised score
per profile beside NAB's scoreboard.

    python examples/nab_benchmark.py --data-dir ../shared/data/nab --out runs/nab

Prints ``NAB_STANDARD x``, ``NAB_LOW_FP x``, ``NAB_LOW_FN x`` and the CPU time.
"""

import argparse
import dataclasses
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv=None):
    from keras_vae.tasks import nab_benchmark, streaming

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default="../shared/data/nab", help="NAB folder (data/, labels/)")
    p.add_argument("--out", required=True, help="output folder (results/, raw/, report.json)")
    p.add_argument("--epochs", type=int, help="training epochs per series (default: DetectorConfig's)")
    p.add_argument("--series", nargs="*", help="run only these series (category/name.csv)")
    p.add_argument("--reuse-raw", action="store_true", help="re-run only the post-processing on saved raw scores")
    p.add_argument("--plot", default="realKnownCause/machine_temperature_system_failure.csv",
                   help="series to plot into --out/<name>.png ('' for none)")
    args = p.parse_args(argv)

    config = streaming.DetectorConfig()
    if args.epochs:
        config = dataclasses.replace(config, epochs=args.epochs)
    cpu = time.process_time()
    report = nab_benchmark.run(args.data_dir, args.out, config, names=args.series, reuse_raw=args.reuse_raw,
                               log=lambda line: print(line, flush=True))
    print(nab_benchmark.format_scores(report))
    print(f"CPU_SECONDS {time.process_time() - cpu:.0f} (detection {report['detect_cpu_s']:.0f}, "
          f"wall {report['detect_wall_s']:.0f} s)")
    if args.plot and (args.series is None or args.plot in args.series):
        from keras_vae.data import nab

        series = nab.load_corpus(args.data_dir, [args.plot]).series[0]
        scores = nab.read_results_scores(os.path.join(args.out, "results"), nab_benchmark.DETECTOR, series)
        probation, _ = streaming.split(len(series), config)
        threshold = report["profiles"]["standard"]["threshold"]
        path = os.path.join(args.out, os.path.basename(args.plot).replace(".csv", ".png"))
        nab_benchmark.plot_series(series, scores, path, threshold, probation)
        print(f"plot: {path}")


if __name__ == "__main__":
    main()
