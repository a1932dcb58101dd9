"""Probes for M1+M2 (issue 15): M2 trained on the frozen codes of an M1, how fast its accuracy moves.

    python benchmarks/m1m2_levers.py m2 --m1 zoo:m1m2_mnist epochs=20 batch=256 lr=1e-3 alpha=60

``m2``: M1's ``q(z1|x)`` is computed once for every training image (grey levels); each step
draws z1 from it, so an epoch costs M2's networks only. Prints the test error of ``q(y|z1)``
at the mean of ``q(z1|x)`` after each epoch, and the seconds it took. Settings (key=value):
epochs (20), batch (256 unlabelled codes), labelled_batch (100), lr (1e-3), cosine (true: decay
over the run), alpha (60), lw (1: the labelled bound's weight), active_only (false: keep only z1 dimensions whose means vary), z2 (50),
units and cunits (M2's and its classifier's layers, [500]).
``m1``: trains an M1 of its own (a ``DenseVAE`` through ``keras_vae.training.train``, so
resumable and extendable with the same command and a larger ``epochs``) into ``--out`` and, every
``every`` epochs, saves ``--out/m1_eN.keras`` and prints the test error of logistic regression
on its codes with the 100 labels. Settings: epochs (100), units ([600, 600]: the paper's), z (50),
batch (100), lr (1e-3, constant), warmup (0 steps of KL warm-up), every (10), activation (softplus):

    KERAS_BACKEND=jax python benchmarks/m1m2_levers.py m1 --out runs/m1_600 epochs=200

``features NAME ...``: how class-separable shipped models' codes are with the same 100 labels
(logistic regression and 1-NN on the labelled codes; purity of 50 k-means clusters, which reads
the test labels and is a diagnostic only). Needs scikit-learn (``pip install keras-vae[apps]``):

    python benchmarks/m1m2_levers.py features m1m2_mnist pixelvae_mnist beta_vae_mnist
"""

import argparse
import json
import sys
import time

import numpy as np


def parse_settings(pairs):
    out = {}
    for pair in pairs:
        key, value = pair.split("=", 1)
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def load_m1(spec):
    import keras

    import keras_vae.models  # noqa: F401  (registers the classes)
    from keras_vae import zoo

    if spec.startswith("zoo:"):
        model = zoo.load(spec[4:])
        return getattr(model, "m1", model)  # M1+M2's M1, or any zoo VAE's encoder
    return keras.models.load_model(spec)


def codes(m1, images, batch=2000):
    from keras import ops

    means, log_vars = [], []
    for s in range(0, len(images), batch):
        mean, log_var = m1.posterior(images[s:s + batch])
        means.append(ops.convert_to_numpy(mean))
        log_vars.append(ops.convert_to_numpy(log_var))
    return np.concatenate(means), np.concatenate(log_vars)


def train_m2(args, settings):
    import keras
    import tensorflow as tf

    from keras_vae import likelihoods
    from keras_vae.data.pipeline import labelled_subset, load_arrays
    from keras_vae.models import SemiSupervisedVAE

    x_train, y_train = load_arrays("mnist", "train", args.data_dir)
    x_test, y_test = load_arrays("mnist", "test", args.data_dir)
    x_train = x_train.astype("float32") / 255.0
    x_test = x_test.astype("float32") / 255.0
    m1 = load_m1(args.m1)
    t0 = time.time()
    mu, log_var = codes(m1, x_train)
    mu_test, _ = codes(m1, x_test)
    if settings.get("active_only", False):
        # The authors' code keeps the z1 dimensions whose posterior means vary (std > 0.1 over
        # 1,000 unlabelled images): the others sit at the prior, and their draws are noise to M2.
        keep = mu[:1000].std(axis=0) > 0.1
        mu, log_var, mu_test = mu[:, keep], log_var[:, keep], mu_test[:, keep]
        print(f"active z1 dimensions kept: {int(keep.sum())} of {len(keep)}", flush=True)
    print(f"codes: {time.time() - t0:.1f} s", flush=True)
    labelled = labelled_subset(y_train, 10, 0)
    mask = np.ones(len(x_train), bool)
    mask[labelled] = False
    batch = int(settings.get("batch", 256))
    sigma = np.exp(0.5 * log_var).astype("float32")

    def draw(m, s):
        return m + s * tf.random.normal(tf.shape(m))

    unl = tf.data.Dataset.from_tensor_slices((mu[mask], sigma[mask])).shuffle(60000, seed=0)
    unl = unl.batch(batch, drop_remainder=True).map(draw)
    lab = tf.data.Dataset.from_tensor_slices((mu[labelled], sigma[labelled], y_train[labelled].astype("int32")))
    lab = lab.repeat().shuffle(100, seed=1).batch(int(settings.get("labelled_batch", 100)))
    lab = lab.map(lambda m, s, y: (draw(m, s), y))
    ds = tf.data.Dataset.zip(unl, lab).map(
        lambda u, l: {"image": u, "labelled_image": l[0], "labelled_label": l[1]}
    ).prefetch(4)
    m2 = SemiSupervisedVAE(
        image_shape=(mu.shape[1],), latent_dim=int(settings.get("z2", 50)),
        likelihood=likelihoods.Gaussian(learn_scale=True), num_classes=10,
        hidden_units=tuple(settings.get("units", [500])), classifier_units=tuple(settings.get("cunits", [500])),
        activation="softplus", alpha=float(settings.get("alpha", 60.0)),
        labelled_weight=float(settings.get("lw", 1.0)), seed=0,
    )
    epochs = int(settings.get("epochs", 20))
    steps = epochs * (int(mask.sum()) // batch)
    lr = float(settings.get("lr", 1e-3))
    if settings.get("cosine", True):
        lr = keras.optimizers.schedules.CosineDecay(lr, steps)
    m2.compile(optimizer=keras.optimizers.Adam(lr))

    class Report(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t = time.time()

        def on_epoch_end(self, epoch, logs=None):
            err = float(np.mean(m2.predict_labels(mu_test) != y_test))
            print(f"epoch {epoch + 1} {time.time() - self.t:.1f}s test_error {100 * err:.2f}% "
                  f"train_acc_labelled {logs.get('accuracy', 0):.3f} elbo {logs.get('elbo', 0):.2f}", flush=True)

    m2.fit(ds, epochs=epochs, verbose=0, callbacks=[Report()])


def logistic_error(train, test, y_train, y_test, labelled):
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(max_iter=2000).fit(train[labelled], y_train[labelled])
    return float(np.mean(lr.predict(test) != y_test))


def train_m1(args, settings):
    from pathlib import Path

    import keras

    from keras_vae import training
    from keras_vae.data.pipeline import labelled_subset, load_arrays
    from keras_vae.zoo import Recipe

    recipe = Recipe(
        name="m1_probe_mnist", model="DenseVAE",
        model_args=dict(latent_dim=int(settings.get("z", 50)), hidden_units=tuple(settings.get("units", [600, 600])),
                        activation=settings.get("activation", "softplus"),
                        kl_warmup_steps=int(settings.get("warmup", 0)), seed=0),
        epochs=int(settings.get("epochs", 100)), batch_size=int(settings.get("batch", 100)),
        learning_rate=float(settings.get("lr", 1e-3)), lr_schedule="constant", eval_k=100,
    )
    x_train, y_train = load_arrays("mnist", "train", args.data_dir)
    x_test, y_test = load_arrays("mnist", "test", args.data_dir)
    x_train, x_test = x_train.astype("float32") / 255.0, x_test.astype("float32") / 255.0
    labelled = labelled_subset(y_train, 10, 0)
    every, out = int(settings.get("every", 10)), Path(args.out)

    class Report(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if (epoch + 1) % every:
                return
            err = logistic_error(codes(self.model, x_train)[0], codes(self.model, x_test)[0], y_train, y_test, labelled)
            self.model.save(out / f"m1_e{epoch + 1}.keras")
            print(f"epoch {epoch + 1} elbo {logs.get('elbo', 0):.2f} val_elbo {logs.get('val_elbo', 0):.2f} "
                  f"logistic_regression_error {100 * err:.2f}%", flush=True)

    training.train(recipe, out, data_dir=args.data_dir, verbose=0, evaluate=False, callbacks=[Report()])


def feature_quality(args, names):
    from sklearn.cluster import KMeans
    from sklearn.neighbors import KNeighborsClassifier

    from keras_vae.data.pipeline import labelled_subset, load_arrays

    x_train, y_train = load_arrays("mnist", "train", args.data_dir)
    x_test, y_test = load_arrays("mnist", "test", args.data_dir)
    x_train, x_test = x_train.astype("float32") / 255.0, x_test.astype("float32") / 255.0
    labelled = labelled_subset(y_train, 10, 0)
    print("| codes of | dims | logistic regression, 100 labels | 1-NN, 100 labels | k-means (50) purity |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in names:
        m1 = load_m1(f"zoo:{name}")
        train, test = codes(m1, x_train)[0], codes(m1, x_test)[0]
        nn = KNeighborsClassifier(1).fit(train[labelled], y_train[labelled])
        clusters = KMeans(50, n_init=1, random_state=0).fit(train[:20000]).predict(test)
        purity = sum(np.bincount(y_test[clusters == c]).max() for c in np.unique(clusters)) / len(y_test)
        print(f"| `{name}` | {train.shape[1]} | {100 * logistic_error(train, test, y_train, y_test, labelled):.1f}% "
              f"| {100 * np.mean(nn.predict(test) != y_test):.1f}% | {purity:.3f} |", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["m1", "m2", "features"])
    parser.add_argument("settings", nargs="*")
    parser.add_argument("--m1", default="zoo:m1m2_mnist", help="zoo:NAME (M1+M2's M1, or any zoo VAE) or a .keras file")
    parser.add_argument("--data-dir", default="../shared/data/mnist")
    parser.add_argument("--out", default="runs/m1_probe", help="m1: run folder")
    args = parser.parse_intermixed_args(argv)
    if args.what == "features":
        return feature_quality(args, args.settings)
    if args.what == "m1":
        return train_m1(args, parse_settings(args.settings))
    train_m2(args, parse_settings(args.settings))


if __name__ == "__main__":
    sys.exit(main())
