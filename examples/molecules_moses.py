"""MOSES metrics of molecules sampled from a SELFIES VAE, beside the MOSES paper's VAE row.

Samples ``--n`` molecules (30,000, as MOSES does) from the zoo's ``selfies_moses`` (or a
``.keras`` file), then prints validity, uniqueness@1k/@10k, novelty against the 1,584,663
MOSES training SMILES, IntDiv1/2, the MOSES filters, SNN/Frag/Scaf against the test set
(MOSES's own precomputed test statistics) and FCD/Test (fcd-torch), then a latent-space
search for molecules with a QED above the training median. Needs
``pip install "keras-vae[molecules]"`` and ``pip install --no-deps molsets==0.3.1``.

    python examples/molecules_moses.py --json runs/moses_metrics.json --grid docs/molecules.png

Quick check (a few minutes): ``python examples/molecules_moses.py --n 2000 --no-fcd``.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parents[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="selfies_moses", help="zoo recipe or .keras file")
    parser.add_argument("--n", type=int, default=30000, help="molecules to sample (MOSES: 30,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--diversity-sample", type=int, default=10000, help="valid molecules in IntDiv")
    parser.add_argument("--snn-sample", type=int, default=2000, help="valid molecules in SNN (each vs all test)")
    parser.add_argument("--filters-sample", type=int, default=2000, help="valid molecules checked by the filters")
    parser.add_argument("--fcd-sample", type=int, default=2000, help="valid molecules in FCD")
    parser.add_argument("--no-fcd", action="store_true", help="skip FCD/Test (and its test-set floor)")
    parser.add_argument("--no-optimize", action="store_true", help="skip the latent-space QED search")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--grid", help="draw the first 20 samples into this PNG")
    parser.add_argument("--card", help="a training run's card.json: record the figures in it (card.md re-rendered)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))
    from keras_vae.data import moses
    from keras_vae.molecules import metrics
    from keras_vae.saving import load_source

    model, _, _ = load_source(args.model)
    start = time.perf_counter()
    smiles = model.sample(args.n, seed=args.seed, temperature=args.temperature)
    sample_seconds = time.perf_counter() - start
    print(f"sampled {args.n} molecules in {sample_seconds:.0f} s", flush=True)
    if args.grid:
        from keras_vae.molecules.draw import save_grid

        save_grid(smiles[:20], args.grid, cols=5)
        print(f"wrote {args.grid}")
    train = moses.read_split("train")
    figures = metrics.moses_metrics(smiles, train, diversity_sample=args.diversity_sample, snn_sample=args.snn_sample,
                                    filters_sample=args.filters_sample, fcd=not args.no_fcd, fcd_sample=args.fcd_sample,
                                    seed=args.seed)
    if "FCD/Test" in figures:
        figures["FCD/Test floor"] = metrics.fcd_floor(args.fcd_sample, seed=args.seed)
        figures["notes"].append(f"FCD/Test floor: {args.fcd_sample} random MOSES test molecules score "
                                f"{figures['FCD/Test floor']:.3f} against the test statistics (sampling noise alone)")
    figures.update(sample_seconds=round(sample_seconds, 1), temperature=args.temperature, seed=args.seed)
    print(f"\n{'metric':12s} {'this model':>10s} {'MOSES VAE':>10s}")
    for key, ref in metrics.MOSES_VAE.items():
        if key in figures:
            print(f"{key:12s} {figures[key]:10.3f} {ref:10.3f}")
    for note in figures["notes"]:
        print(f"- {note}")
    if not args.no_optimize:
        from keras_vae.molecules.optimize import optimize

        result = optimize(model, train, "qed", seed=args.seed)
        print(f"\nQED search: training median {result['median']:.3f} (of {result['encode_examples']} encoded), "
              f"predictor R^2 {result['predictor_r2']:.2f} (held-out fifth), start molecules' mean "
              f"{result['starts_mean']:.3f}; {len(result['found'])} of {result['decoded']} distinct decoded molecules "
              f"above the median, best:")
        for s, v in result["found"][:5]:
            print(f"  {v:.3f}  {s}")
        figures["qed_search"] = {**result, "found": result["found"][:20], "found_count": len(result["found"])}
    if args.card:
        from keras_vae import cards

        card = json.loads(Path(args.card).read_text())
        command = "python examples/molecules_moses.py " + " ".join(sys.argv[1:] if argv is None else argv)
        card["moses"] = {**{k: v for k, v in figures.items() if k != "qed_search"}, "command": command}
        if "qed_search" in figures:
            card["qed_search"] = figures["qed_search"]
        cards.write(card, Path(args.card).parent)
        print(f"recorded the figures in {args.card}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
        print(f"wrote {args.json}")
    return figures


if __name__ == "__main__":
    main()
