"""Writes the tiny golden model and its reference outputs: ``python tests/golden/make_golden.py``.

``tiny_cvae.keras``: an untrained conditional ConvVAE (2-d latent, 10 classes), saved
with ``model.save``. ``tiny_cvae_expected.npz``: fixed inputs and what the model gave on
them when the file was written: the deterministic API (encode, decode, reconstruct,
the score at the posterior mean) and the seeded estimates (elbo, log_likelihood, which
depend on the backend's random streams; written with the TensorFlow backend).
``tests/test_golden.py`` reloads both and compares, so a change of the maths, of a layer
name or of the saving format shows up as a failed test. Re-run this script only for an
intended change, and say why in the commit.
"""

from pathlib import Path

import keras
import numpy as np

HERE = Path(__file__).resolve().parent
MODEL = HERE / "tiny_cvae.keras"
EXPECTED = HERE / "tiny_cvae_expected.npz"


def inputs():
    rng = np.random.default_rng(0)
    x = (rng.random((6, 28, 28, 1)) < 0.3).astype("float32")
    y = (np.arange(6) % 10).astype("int32")
    z = rng.standard_normal((6, 2)).astype("float32")
    return x, y, z


def outputs(model, x, y, z):
    """{name: array} of everything the golden test compares."""
    z_mean, z_log_var = model.encode(x, y)
    nll, kl, _ = model.bound_terms(x, y, noise=keras.ops.zeros_like(z_mean))
    return {
        "z_mean": z_mean,
        "z_log_var": z_log_var,
        "decoded": model.decode(z, y),
        "reconstruction": model.reconstruct(x, y),
        "score_at_mean": keras.ops.convert_to_numpy(nll + kl),
        "elbo": model.elbo(x, y, seed=0),
        "log_likelihood": model.log_likelihood(x, y, k=16, seed=0),
    }


def main():
    from keras_vae.models import ConvVAE

    if keras.backend.backend() != "tensorflow":
        raise SystemExit("write the golden outputs with KERAS_BACKEND=tensorflow")
    keras.utils.set_random_seed(0)
    model = ConvVAE(num_classes=10, latent_dim=2, filters=(4, 8), hidden_units=8, seed=0)
    model.save(MODEL)
    x, y, z = inputs()
    np.savez_compressed(EXPECTED, x=x, y=y, z=z, **outputs(model, x, y, z))
    print(f"wrote {MODEL} ({MODEL.stat().st_size} bytes) and {EXPECTED} ({EXPECTED.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
