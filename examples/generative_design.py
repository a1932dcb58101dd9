"""Generative design with Fashion-MNIST models: new garments per class, blends, attribute edits.

Writes three pictures (``keras_vae.tasks.design``) and measures them with a judge that
never saw a generated image: the small CNN of ``keras_vae.tasks.augmentation`` trained on
real training images (grey levels), applied to the decoded images (pixel probabilities).
(A logistic regression on pixels was tried first and dropped: on decoded images it put
95% of cvae_mnist's clearly drawn digits in the wrong class.)

- ``<prefix>_classes.png``: ``cvae_fashion_mnist`` samples, one row per class, one z per
  column. CLASS_AGREEMENT: the fraction of class-conditional samples the classifier
  assigns to the class they were drawn for.
- ``<prefix>_interpolation.png``: per row a test item, the decoded slerp path between its
  and another item's posterior means (``conv_fashion_mnist``), then the other item.
- ``<prefix>_attribute.png``: per row a test item of ``--from-class`` and its code moved
  along the mean difference towards ``--to-class``, by strengths 0 to 1.5.
  ATTRIBUTE_TO_TARGET: the fraction of all test items of ``--from-class`` the classifier
  assigns to ``--to-class`` after the edit (strength 1), against the same for their
  reconstructions (strength 0).

    python examples/generative_design.py --data-dir ../shared/data/fashion_mnist --out-dir docs

A quick check with the MNIST models:

    python examples/generative_design.py --model conv_mnist --conditional-model cvae_mnist --dataset mnist \
        --from-class 1 --to-class 7 --classifier-examples 1000 --classifier-steps 200 --samples-per-class 10 --data-dir ../shared/data/mnist
"""

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("KERAS_VAE_DATA_DIR",
                                                             REPO.parent / "shared/data/fashion_mnist"))
    parser.add_argument("--dataset", default="fashion_mnist")
    parser.add_argument("--model", default="conv_fashion_mnist", help="unconditional zoo model: blends and edits")
    parser.add_argument("--conditional-model", default="cvae_fashion_mnist", help="conditional zoo model: classes")
    parser.add_argument("--from-class", type=int, default=7, help="attribute edit: from this class (7: sneaker)")
    parser.add_argument("--to-class", type=int, default=9, help="attribute edit: towards this class (9: ankle boot)")
    parser.add_argument("--samples-per-class", type=int, default=100, help="class samples the agreement is measured on")
    parser.add_argument("--classifier-examples", type=int, default=10000, help="real training images of the judge")
    parser.add_argument("--classifier-steps", type=int, default=600, help="Adam steps (batch 64) of the judge")
    parser.add_argument("--out-dir", default=".")
    parser.add_argument("--prefix", default="design")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import numpy as np

    from keras_vae import data, zoo
    from keras_vae.evaluation import subset_indices
    from keras_vae.images import grid, save_png
    from keras_vae.tasks import augmentation, design

    names = data.get(args.dataset).label_names
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    x_train, y_train = data.load_images(args.dataset, "train", args.data_dir)
    x_test, y_test = data.load_images(args.dataset, "test", args.data_dir)

    keep = subset_indices(len(x_train), args.classifier_examples, seed=args.seed)
    cnn = augmentation.fit_classifier(x_train[keep], y_train[keep], steps=args.classifier_steps, seed=args.seed)
    predict = lambda x: np.argmax(cnn.predict(x, batch_size=1000, verbose=0), axis=1)  # noqa: E731
    real_accuracy = float(np.mean(predict(x_test) == y_test))
    print(f"CNN judge ({len(keep)} real training images, {args.classifier_steps} steps): test accuracy "
          f"{real_accuracy:.4f}")
    print(f"CLASSIFIER_TEST_ACCURACY {real_accuracy:.4f}")

    # 1. class-conditional generation
    cvae = zoo.load(args.conditional_model)
    classes = np.arange(cvae.num_classes)
    picture = design.class_samples(cvae, classes, per_class=8, seed=args.seed)
    path = save_png(grid(picture, len(classes), 8), out / f"{args.prefix}_classes.png")
    print(f"wrote {path}: rows {', '.join(names)}")
    samples = design.class_samples(cvae, classes, per_class=args.samples_per_class, seed=args.seed + 1)
    wanted = np.repeat(classes, args.samples_per_class)
    agreement = float(np.mean(predict(samples) == wanted))
    print(f"{args.conditional_model}: {len(samples)} samples, classifier agrees with the requested class on "
          f"{agreement:.4f}")
    print(f"CLASS_AGREEMENT {args.conditional_model} {agreement:.4f}")

    # 2. interpolation between two items of different classes
    model = zoo.load(args.model)
    rng = np.random.default_rng(args.seed)
    rows = []
    for a_class, b_class in [(0, 3), (7, 9), (2, 8), (5, 1)]:
        a = x_test[rng.choice(np.flatnonzero(y_test == a_class))]
        b = x_test[rng.choice(np.flatnonzero(y_test == b_class))]
        rows.append(np.concatenate([a[None], design.interpolate(model, a, b, steps=8), b[None]]))
    path = save_png(grid(np.concatenate(rows), len(rows), 10), out / f"{args.prefix}_interpolation.png")
    print(f"wrote {path}: per row a test item, 8 slerp steps between the posterior means, the other item")

    # 3. attribute direction: mean code of one class minus another's, measured on training items
    direction = design.attribute_direction(model, x_train[y_train == args.from_class],
                                           x_train[y_train == args.to_class])
    strengths = [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5]
    items = x_test[rng.choice(np.flatnonzero(y_test == args.from_class), size=5, replace=False)]
    rows = [np.concatenate([item[None], design.apply_direction(model, item, direction, strengths)]) for item in items]
    path = save_png(grid(np.concatenate(rows), len(rows), len(strengths) + 1), out / f"{args.prefix}_attribute.png")
    print(f"wrote {path}: per row a test {names[args.from_class]}, then its code + s * ({names[args.to_class]} - "
          f"{names[args.from_class]}) for s = {', '.join(map(str, strengths))}")
    sources = x_test[y_test == args.from_class]
    z, _ = model.encode(sources)
    before = predict(model.decode(z)) == args.to_class
    after = predict(model.decode(z + direction[None])) == args.to_class
    print(f"{len(sources)} test {names[args.from_class]} items: classified {names[args.to_class]} "
          f"{before.mean():.4f} reconstructed, {after.mean():.4f} after the edit (strength 1)")
    print(f"ATTRIBUTE_TO_TARGET reconstruction {before.mean():.4f}")
    print(f"ATTRIBUTE_TO_TARGET edited {after.mean():.4f}")
    return agreement


if __name__ == "__main__":
    main()
