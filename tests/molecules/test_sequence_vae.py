"""SequenceVAE: the ELBO is the categorical likelihood of teacher-forced logits; generation; a tiny training run."""

import dataclasses
from pathlib import Path

import keras
import numpy as np
import pytest

pytest.importorskip("rdkit")
pytest.importorskip("selfies")

from keras_vae.models import SequenceVAE  # noqa: E402
from keras_vae.molecules.tokens import BOS_ID, EOS_ID, PAD_ID  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "moses_train_300.smi"
VOCAB = ["[C]", "[=C]", "[Ring1]", "[=Branch1]", "[Branch1]", "[N]", "[=O]", "[O]", "[=N]", "[S]", "[Branch2]",
         "[Ring2]", "[#Branch1]", "[=Branch2]", "[F]", "[#Branch2]", "[Cl]", "[#C]", "[P]", "[=Ring1]", "[NH1]",
         "[Br]", "[#N]", "[=Ring2]", "[=S]", "[H]"]


def tiny(**kwargs):
    return SequenceVAE(vocabulary=VOCAB, max_length=56, latent_dim=4, units=16, embedding_dim=8, seed=1, **kwargs)


def test_reconstruction_term_is_the_log_softmax_of_teacher_forced_tokens():
    model = tiny()
    x = model.tokenize(["CCO", "c1ccccc1"])
    context = keras.ops.convert_to_numpy(model.decoder_context(x))
    assert context[0, 0] == BOS_ID and np.array_equal(context[:, 1:], x[:, :-1])
    zero = keras.ops.zeros((2, 4))
    nll, kl, logits = model.bound_terms(x, noise=zero)
    logits = keras.ops.convert_to_numpy(logits)
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    want = [-sum(log_p[i, t, int(x[i, t])] for t in range(56) if x[i, t] != 0) for i in range(2)]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(nll), want, rtol=1e-5)
    assert int((x[0] != 0).sum()) == 4  # [C] [C] [O] <eos>


def test_smiles_api_and_greedy_generation():
    model = tiny(encoder="conv", filters=(4, 8, 8))
    z_mean, _ = model.encode(["CCO", "CCN"])
    assert z_mean.shape == (2, 4)
    ids = model.generate(z_mean)
    assert np.array_equal(ids, model.generate(z_mean))  # greedy is deterministic
    for row in ids:  # after <eos> only padding
        end = np.flatnonzero(row == EOS_ID)
        if len(end):
            assert not row[end[0] + 1:].any()
    assert len(model.interpolate("CCO", "c1ccccc1", steps=3)) == 3
    assert model.sample(4, seed=0) == model.sample(4, seed=0)
    with pytest.raises(ValueError, match="molecule 1 .*cannot parse"):
        model.encode(["CCO", "C1CC"])
    with pytest.raises(ValueError, match="token ids must be integers"):
        model.elbo(np.full((1, 56), 99.0, "float32"))
    with pytest.raises(ValueError, match="unconditional"):
        tiny(num_classes=3)


@pytest.mark.parametrize("z_every_step, unroll", [
    (True, False),  # the shipped recipe's decoder; the other two options in the slow run (suite budget)
    pytest.param(False, False, marks=pytest.mark.slow),
    pytest.param(False, True, marks=pytest.mark.slow),
])
def test_step_by_step_generation_matches_the_teacher_forced_decoder(z_every_step, unroll):
    """Greedy ``generate`` (one GRU cell step at a time) picks the argmax of the training graph's logits."""
    model = tiny(z_every_step=z_every_step, unroll=unroll)
    z = np.random.default_rng(0).standard_normal((6, 4)).astype("float32") * 3
    ids = model.generate(z)
    logits = keras.ops.convert_to_numpy(model.decode_params(z, context=model.decoder_context(ids)))
    logits[:, :, [PAD_ID, BOS_ID]] = -np.inf  # generate never emits <pad>/<bos>
    logits[:, 0, EOS_ID] = -np.inf  # nor <eos> first
    for row, lg in zip(ids, logits):
        n = int(np.argmax(row == EOS_ID)) + 1 if (row == EOS_ID).any() else len(row)
        np.testing.assert_array_equal(lg[:n].argmax(-1), row[:n])
    restored = SequenceVAE.from_config(model.get_config())
    assert (restored.z_every_step, restored.unroll) == (z_every_step, unroll)
    assert restored.count_params() == model.count_params()


# Export (encoder and scorer; the decoder left out with its reason): tests/test_harness.py and
# tests/export/test_export_context.py.


def test_tiny_fit_lowers_the_loss_through_the_shared_train_step():
    smiles = FIXTURE.read_text().split()[:64]
    model = tiny(kl_warmup_steps=4)
    x = model.tokenize(smiles)
    before = float(np.mean(-model.elbo(x, seed=0)))
    model.compile(optimizer=keras.optimizers.Adam(1e-2), jit_compile=False)
    history = model.fit(x, batch_size=16, epochs=3, verbose=0)
    assert {"loss", "reconstruction", "kl", "elbo"} <= set(history.history)  # nats per molecule, KL per molecule
    assert float(np.mean(-model.elbo(x, seed=0))) < before
    assert int(keras.ops.convert_to_numpy(model.step_counter.value)) == 12


@pytest.mark.slow
def test_tiny_training_run_through_the_zoo_flow(tmp_path):
    """The recipe's own training path (MOSES subset, held-out test molecules, card) on a tiny model."""
    from keras_vae import zoo
    from keras_vae.data import moses
    from keras_vae.extras import MissingExtraError
    from keras_vae.training import train

    try:
        moses.molsets_dir()
    except MissingExtraError as e:
        pytest.skip(str(e))
    recipe = zoo.get("selfies_moses")
    args = {**recipe.model_args, "units": 16, "embedding_dim": 8, "filters": (4, 8, 8), "latent_dim": 4}
    recipe = dataclasses.replace(recipe, model_args=args, epochs=1, eval_examples=20, eval_k=2, batch_size=32)
    model = train(recipe, tmp_path / "run", limit=64, verbose=0)
    card = (tmp_path / "run" / "card.json").read_text()
    assert '"train_examples": 64' in card and '"test_slice"' in card
    assert np.isfinite(model.elbo(model.tokenize(FIXTURE.read_text().split()[:8]))).all()
    restored = keras.saving.load_model(tmp_path / "run" / "model.keras")
    assert restored.get_config() == model.get_config()
    assert len(restored.sample(3, seed=0)) == 3
