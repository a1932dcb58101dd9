"""Molecular generation: tokens, MOSES metrics, latent-space property search, drawings."""
