"""Sequence VAE for molecules (Gomez-Bombarelli et al. 2018): token sequences in, token sequences out.

One example is a molecule as ``max_length`` token ids (``keras_vae.molecules.tokens``:
tokens, ``<eos>``, ``<pad>``...), served as float32 like every other family's data (the
embedding layers cast them to int). The encoder is a GRU or a stack of 1-D convolutions
over token embeddings; the decoder is an autoregressive GRU whose initial state carries z,
and every input step too (``z_every_step=False``: the initial state only, a narrower and
cheaper GRU input). In training it reads the previous true token (teacher forcing): the
base's decoder context (``decoder_context``: x shifted right behind ``<bos>``), so the
base's one ``train_step``, ``elbo`` and IWAE ``log_likelihood`` score sequences exactly.
The likelihood is ``Categorical``: ``log p(x|z)`` is the sum of the log-softmax of each
true token up to and including ``<eos>``, in nats per molecule.

Generation runs the GRU one step at a time (``generate``): greedy (argmax) or sampled at
a temperature, stopping at ``<eos>``. ``sample``, ``decode`` and ``encode`` speak SMILES.

Example:
>>> model = SequenceVAE(vocabulary=["[C]", "[O]", "[=O]", "[N]"], max_length=40, latent_dim=16)
>>> model.compile(optimizer="adam", jit_compile=False)
>>> model.fit(model.tokenize(["CCO", "CC(=O)O"]), epochs=1, verbose=0)
>>> model.sample(3, seed=0)       # three canonical SMILES
"""

import keras
import numpy as np
from keras import ops

from keras_vae import likelihoods as likelihoods_lib
from keras_vae.models import checks
from keras_vae.models.base import VAE
from keras_vae.molecules.tokens import BOS_ID, EOS_ID, PAD_ID, Vocabulary, check_notation

ENCODERS = ("gru", "conv")


@keras.saving.register_keras_serializable(package="keras_vae")
class SequenceVAE(VAE):
    """VAE over token sequences with an autoregressive GRU decoder and a categorical likelihood.

    Args:
        vocabulary: the tokens (no specials) in id order from 3 (``Vocabulary``).
        notation: ``"selfies"`` or ``"smiles"``: how tokens become a molecule.
        max_length: ids per example, ``<eos>`` included.
        encoder: ``"gru"`` or ``"conv"`` (three Conv1D layers, as Gomez-Bombarelli et al.).
        embedding_dim: width of the token embeddings.
        units: GRU width (and the conv encoder's dense layer).
        filters: channels of the conv encoder's three convolutions.
        z_every_step: feed z to the decoder GRU at every step (concatenated to the token
            embedding) besides its initial state; False: through the initial state only.
        unroll: unroll the GRUs over the ``max_length`` steps (a static graph: faster steps
            on CPU for short sequences, more memory).
        **kwargs: ``VAE`` arguments (``latent_dim``, ``beta``, ``kl_warmup_steps``,
            ``capacity``, ``seed``). Unconditional only.
    """

    data_kind = "tokens"

    def __init__(self, vocabulary=(), notation="selfies", max_length=64, encoder="gru", embedding_dim=64, units=256,
                 filters=(32, 64, 64), z_every_step=True, unroll=False, likelihood=None, image_shape=None, **kwargs):
        self.vocab = Vocabulary(vocabulary)
        if not self.vocab.tokens:
            raise ValueError("SequenceVAE needs a non-empty vocabulary")
        self.notation = check_notation(notation)
        if image_shape is not None:  # from get_config
            max_length = image_shape[0]
        self.max_length = checks.check_positive_int(max_length, "max_length")
        if self.max_length < 2:
            raise ValueError(f"max_length must be >= 2 (a token and <eos>), got {max_length}")
        if encoder not in ENCODERS:
            raise ValueError(f"unknown encoder {encoder!r}; expected one of {', '.join(ENCODERS)}")
        self.encoder_kind = encoder
        self.embedding_dim = checks.check_positive_int(embedding_dim, "embedding_dim")
        self.units = checks.check_positive_int(units, "units")
        self.filters = tuple(int(f) for f in filters)
        self.z_every_step = bool(z_every_step)
        self.unroll = bool(unroll)
        if kwargs.get("num_classes") is not None:
            raise ValueError("SequenceVAE is unconditional (num_classes must be None)")
        likelihood = likelihoods_lib.get(likelihood or likelihoods_lib.Categorical(PAD_ID))
        if not isinstance(likelihood, likelihoods_lib.Categorical) or likelihood.pad_id != PAD_ID:
            raise ValueError(f"SequenceVAE's likelihood is Categorical(pad_id={PAD_ID}), got {likelihood!r}")
        super().__init__(image_shape=(self.max_length,), likelihood=likelihood, **kwargs)

    # ----- bodies ------------------------------------------------------------------------
    def encoder_body(self, x):
        h = keras.layers.Embedding(self.vocab.size, self.embedding_dim, name="encoder_embedding")(x)
        if self.encoder_kind == "gru":
            return keras.layers.GRU(self.units, unroll=self.unroll, name="encoder_gru")(h)
        for i, (f, k) in enumerate(zip(self.filters, (9, 9, 11))):
            h = keras.layers.Conv1D(f, k, activation="relu", padding="same", name=f"encoder_conv_{i}")(h)
        h = keras.layers.Flatten(name="flatten")(h)
        return keras.layers.Dense(self.units, activation="relu", name="encoder_dense")(h)

    def context_input(self):
        return keras.Input(shape=(self.max_length,), name="context")

    def decoder_context(self, x):
        """The decoder's input tokens: ``<bos>`` then x without its last position (teacher forcing)."""
        x = ops.convert_to_tensor(x)
        start = ops.full_like(x[:, :1], BOS_ID)
        return ops.concatenate([start, x[:, :-1]], axis=1)

    def decoder_body(self, z, context):
        state = keras.layers.Dense(self.units, activation="tanh", name="decoder_initial_state")(z)
        tokens = keras.layers.Embedding(self.vocab.size, self.embedding_dim, name="decoder_embedding")(context)
        h = tokens
        if self.z_every_step:
            steps = keras.layers.RepeatVector(self.max_length, name="decoder_repeat_z")(z)
            h = keras.layers.Concatenate(name="decoder_inputs")([tokens, steps])
        h = keras.layers.GRU(self.units, return_sequences=True, unroll=self.unroll, name="decoder_gru")(
            h, initial_state=state)
        return keras.layers.Dense(self.vocab.size, name="logits")(h)

    # ----- strings <-> ids -----------------------------------------------------------------
    def tokenize(self, smiles):
        """Ids (n, max_length) as float32 of SMILES strings; a bad one raises ValueError naming it.

        For files with bad lines to report and skip, see ``keras_vae.data.moses.tokenize_all``.
        """
        from keras_vae.molecules.tokens import tokenize

        out = np.zeros((len(smiles), self.max_length), "float32")
        for i, s in enumerate(smiles):
            try:
                out[i] = self.vocab.encode(tokenize(s, self.notation), self.max_length)
            except ValueError as e:
                raise ValueError(f"molecule {i} ({s!r}): {e}") from None
        return out

    def to_smiles(self, ids):
        """Canonical SMILES (None where no molecule) of each row of token ids."""
        from keras_vae.molecules.tokens import to_smiles

        return [to_smiles(self.vocab.decode(row), self.notation) for row in np.asarray(ids)]

    def _check(self, x, labels):
        if len(x) and isinstance(x[0], str):
            x = self.tokenize(list(x))
        x = checks.check_array(x, self.image_shape, "token ids")
        if np.any(x < 0) or np.any(x >= self.vocab.size) or np.any(x != np.round(x)):
            raise ValueError(f"token ids must be integers in [0, {self.vocab.size}), got values outside")
        return x, checks.check_labels(labels, None, len(x))

    # ----- generation ---------------------------------------------------------------------
    def generate(self, z, temperature=0.0, seed=None, batch_size=1024):
        """Token ids (n, max_length) decoded from latent codes, one GRU step at a time.

        Args:
            z: latent codes (n, latent_dim).
            temperature: 0 picks the most likely token (greedy); > 0 samples from
                ``softmax(logits / temperature)``. ``<pad>`` and ``<bos>`` are never emitted,
                nor ``<eos>`` first: the empty sequence is no molecule, so generation draws
                from the model's distribution conditioned on at least one token (what
                rejecting empty draws would give).
            seed: seed of the token draws (temperature > 0).
            batch_size: codes decoded together.
        """
        z = checks.check_latents(z, self.latent_dim)
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        rng = np.random.default_rng(checks.check_seed(seed))
        layers = {n: self.decoder.get_layer(n) for n in
                  ("decoder_initial_state", "decoder_embedding", "decoder_gru", "logits")}
        cell = layers["decoder_gru"].cell
        out = np.full((len(z), self.max_length), PAD_ID, "float32")
        for s in self._batches(len(z), batch_size):
            zb = ops.convert_to_tensor(z[s])
            state = layers["decoder_initial_state"](zb)
            token = np.full((len(zb),), BOS_ID, "int32")
            done = np.zeros(len(zb), bool)
            for t in range(self.max_length):
                e = layers["decoder_embedding"](ops.convert_to_tensor(token))
                h, state = cell(ops.concatenate([e, zb], axis=-1) if self.z_every_step else e, state)
                state = state[0] if isinstance(state, (list, tuple)) else state
                logits = ops.convert_to_numpy(layers["logits"](h)).astype("float64")
                logits[:, [PAD_ID, BOS_ID] + ([EOS_ID] if t == 0 else [])] = -np.inf
                if temperature == 0:
                    token = np.argmax(logits, axis=-1).astype("int32")
                else:
                    logits = logits / temperature
                    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
                    p /= p.sum(axis=-1, keepdims=True)
                    token = (p.cumsum(axis=-1) > rng.random((len(p), 1))).argmax(axis=-1).astype("int32")
                token = np.where(done, PAD_ID, token)
                out[s][:, t] = token
                done |= token == EOS_ID
                if done.all():
                    break
        return out

    def decode(self, z, labels=None, batch_size=1024, temperature=0.0, seed=None):
        """Canonical SMILES of latent codes (greedy, or sampled at ``temperature``); None: no molecule."""
        return self.to_smiles(self.generate(z, temperature, seed, batch_size))

    def encode(self, x, labels=None, batch_size=512):
        """Posterior ``(z_mean, z_log_var)`` of SMILES strings (or token ids).

        Example:
        >>> z_mean, _ = model.encode(["CCO", "c1ccccc1"])
        """
        return super().encode(x, labels, batch_size)

    def reconstruct(self, x, labels=None, batch_size=512):
        """Greedy decoding of each molecule's posterior mean, as canonical SMILES."""
        z_mean, _ = self.encode(x, labels, batch_size)
        return self.decode(z_mean, batch_size=batch_size)

    def sample(self, n, labels=None, seed=None, temperature=1.0):
        """``n`` molecules as canonical SMILES: z ~ N(0, I), then tokens drawn at ``temperature``.

        Example:
        >>> model.sample(5, seed=0)
        """
        n = checks.check_sample_count(n, self.image_shape)
        seed = checks.check_seed(seed)
        z = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype("float32")
        return self.decode(z, temperature=temperature, seed=seed)

    def interpolate(self, start, end, steps=8):
        """Greedy decodings along the straight line between two molecules' posterior means.

        Returns:
            ``steps`` SMILES from ``start``'s decoding to ``end``'s.
        """
        z, _ = self.encode([start, end])
        w = np.linspace(0.0, 1.0, int(steps), dtype="float32")[:, None]
        return self.decode((1 - w) * z[0] + w * z[1])

    def get_config(self):
        config = super().get_config()
        config.update(
            vocabulary=list(self.vocab.tokens),
            notation=self.notation,
            encoder=self.encoder_kind,
            embedding_dim=self.embedding_dim,
            units=self.units,
            filters=list(self.filters),
            z_every_step=self.z_every_step,
            unroll=self.unroll,
        )
        return config


__all__ = ["SequenceVAE", "ENCODERS"]
