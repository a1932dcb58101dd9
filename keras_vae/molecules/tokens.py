"""Molecules as token sequences: SMILES or SELFIES tokens, and a vocabulary of integer ids.

A molecule becomes the tokens of its string (``smiles_tokens``: the regular expression of
Schwaller et al. 2019; ``selfies_tokens``: ``selfies.split_selfies`` of
``selfies.encoder``), then ids in a ``Vocabulary``: ``tokens + <eos>``, padded with
``<pad>`` to a fixed length. ``<bos>`` starts the decoder's input (teacher forcing) and is
never a target. Decoded tokens go back to a canonical RDKit SMILES (``to_smiles``).

SELFIES (Krenn et al. 2020) are chosen for the zoo because every token string decodes to a
valid molecule; the SMILES path is the same code with another tokeniser.

``Vocabulary`` is pure Python (models and the TF-free runtime use it without RDKit);
the string conversions import ``rdkit`` and ``selfies`` lazily through
``keras_vae.extras.require``.

Example:
>>> vocab = Vocabulary(["[C]", "[O]", "[=O]"])
>>> vocab.encode(["[C]", "[=O]"], max_length=4)
[4, 5, 1, 0]
>>> vocab.decode([4, 5, 1, 0])
['[C]', '[=O]']
"""

import re

from keras_vae.extras import require

PAD, EOS, BOS = "<pad>", "<eos>", "<bos>"
SPECIALS = (PAD, EOS, BOS)
PAD_ID, EOS_ID, BOS_ID = 0, 1, 2
NOTATIONS = ("selfies", "smiles")

# Schwaller et al. (2019), "Molecular Transformer": bracket atoms, two-letter halogens, ring
# closures with %nn, bonds and branches each one token.
SMILES_PATTERN = re.compile(
    r"(\[[^\]]+]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|\/|:|~|@|\?|>|\*|\$|%[0-9]{2}|[0-9])"
)


class Vocabulary:
    """Token strings <-> integer ids; ids 0, 1, 2 are ``<pad>``, ``<eos>``, ``<bos>``.

    Args:
        tokens: the data's tokens (no specials), in a fixed order; their ids start at 3.

    Example:
    >>> Vocabulary(["[C]", "[N]"]).size
    5
    """

    def __init__(self, tokens):
        tokens = [str(t) for t in tokens]
        if len(set(tokens)) != len(tokens):
            raise ValueError("vocabulary tokens must be distinct")
        clash = [t for t in tokens if t in SPECIALS]
        if clash:
            raise ValueError(f"vocabulary tokens may not be the special tokens {clash}")
        self.tokens = tuple(tokens)
        self.ids = {t: i for i, t in enumerate(SPECIALS + self.tokens)}

    @property
    def size(self):
        """Number of ids, specials included (the softmax's width)."""
        return len(SPECIALS) + len(self.tokens)

    def unknown(self, tokens):
        """The tokens of ``tokens`` that are not in the vocabulary."""
        return [t for t in tokens if t not in self.ids or t in SPECIALS]

    def encode(self, tokens, max_length):
        """``tokens + <eos>`` as ids, padded with ``<pad>`` to ``max_length``.

        Raises:
            ValueError: an unknown token, or more than ``max_length - 1`` tokens.
        """
        unknown = self.unknown(tokens)
        if unknown:
            raise ValueError(f"tokens {sorted(set(unknown))} are not in the vocabulary")
        if len(tokens) + 1 > max_length:
            raise ValueError(f"{len(tokens)} tokens, more than the {max_length - 1} that fit before <eos>")
        ids = [self.ids[t] for t in tokens] + [EOS_ID]
        return ids + [PAD_ID] * (max_length - len(ids))

    def decode(self, ids):
        """Tokens of ``ids`` up to the first ``<eos>`` (padding and ``<bos>`` skipped)."""
        out, table = [], SPECIALS + self.tokens
        for i in ids:
            i = int(i)
            if i == EOS_ID:
                break
            if i in (PAD_ID, BOS_ID) or not 0 <= i < len(table):
                continue
            out.append(table[i])
        return out


def check_notation(notation):
    if notation not in NOTATIONS:
        raise ValueError(f"notation must be one of {', '.join(NOTATIONS)}, got {notation!r}")
    return notation


def smiles_tokens(smiles):
    """SMILES tokens; raises ValueError if the regular expression does not cover the string."""
    tokens = SMILES_PATTERN.findall(smiles)
    if "".join(tokens) != smiles:
        raise ValueError(f"SMILES {smiles!r} has characters no SMILES token covers")
    return tokens


def canonical(smiles):
    """RDKit's canonical SMILES of ``smiles``, or None if RDKit cannot parse it (or it is empty)."""
    require(["rdkit"], "molecule parsing")
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    if not smiles:
        return None
    mol = Chem.MolFromSmiles(smiles)
    if mol is None or mol.GetNumAtoms() == 0:
        return None
    return Chem.MolToSmiles(mol)


def tokenize(smiles, notation="selfies"):
    """Tokens of one molecule given as SMILES.

    The SMILES must parse with RDKit; SELFIES tokens come from ``selfies.encoder`` of it.

    Raises:
        ValueError: an unparsable SMILES (or one SELFIES cannot encode), naming it.

    Example:
    >>> tokenize("CCO")
    ['[C]', '[C]', '[O]']
    """
    check_notation(notation)
    if canonical(smiles) is None:
        raise ValueError(f"RDKit cannot parse SMILES {smiles!r}")
    if notation == "smiles":
        return smiles_tokens(smiles)
    require(["selfies"], "SELFIES tokens")
    import selfies

    try:
        return list(selfies.split_selfies(selfies.encoder(smiles)))
    except selfies.EncoderError as e:
        raise ValueError(f"SELFIES cannot encode SMILES {smiles!r}: {e}") from None


def to_smiles(tokens, notation="selfies"):
    """Canonical SMILES of a token sequence, or None where it is no molecule.

    Any SELFIES token string decodes to a molecule (None only for an empty one); a SMILES
    token string may not parse.
    """
    check_notation(notation)
    text = "".join(tokens)
    if notation == "selfies":
        require(["selfies"], "SELFIES decoding")
        import selfies

        try:
            text = selfies.decoder(text)
        except selfies.DecoderError:
            return None
    return canonical(text)
