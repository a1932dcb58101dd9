"""``ExportedVAE``: the keras_vae inference API (encode, decode, sample, reconstruct, score)
on an export folder, with numpy arrays in and out.
"""

import numpy as np

from keras_vae.runtime import backends, checks
from keras_vae.runtime.manifest import ManifestError, read_manifest

DEFAULT_TFLITE_VARIANT = "float32"


class ExportedVAE:
    """An exported VAE run by onnxruntime or LiteRT.

    Graph files are opened on first use (a decoder-only caller never loads the
    encoder) and their sha256 is checked against the manifest when opened.

    Args:
        folder: export folder holding ``manifest.json``.
        backend: ``"onnxruntime"`` (default; reads ``*.onnx``) or ``"litert"`` (reads
            ``*.tflite``).
        variant: TFLite variant for ``"litert"``: ``"float32"`` (default),
            ``"float16"``, ``"dynamic_int8"`` or ``"int8"``; must be None for onnxruntime.
        threads: CPU threads per session (None: the runtime's default).
        verify_files: check each artifact's sha256 against the manifest before loading.

    Raises:
        ManifestError: no valid manifest, or the backend's files were not exported. An
            int8 export whose decoder was refused for its error (``formats.tflite.refused``)
            still opens; ``decode`` and ``sample`` then raise, giving the reason. Likewise
            a graph the format's converter could not convert (``formats.tflite.left_out``,
            e.g. SequenceVAE's scorer on LiteRT) raises with the reason when used, and an
            export without a decoder graph (``graphs_left_out``: an autoregressive
            decoder, PixelVAE or SequenceVAE) opens with ``encode`` and ``score`` only.
        ValueError: an unknown backend, or a variant given to onnxruntime.

    Example:
    >>> vae = ExportedVAE("dist/cvae_mnist")
    >>> sevens = vae.sample(8, labels=[7] * 8, seed=1)   # (8, 28, 28, 1)
    >>> vae.score(sevens, labels=[7] * 8).shape
    (8,)
    """

    def __init__(self, folder, backend=backends.DEFAULT_BACKEND, variant=None, threads=None, verify_files=True):
        if backend not in backends.BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; expected one of {backends.BACKENDS}")
        if backend == "onnxruntime" and variant is not None:
            raise ValueError("variant selects a TFLite file and needs backend='litert'")
        self.manifest = read_manifest(folder)
        self.backend = backend
        self.variant = (variant or DEFAULT_TFLITE_VARIANT) if backend == "litert" else None
        self.threads = threads
        self.verify_files = verify_files
        self._format = backends.FORMATS[backend]
        # Fail now, not on the first call, if the backend's files were never exported. A
        # variant some graphs ship and others not (int8 graphs refused at export for their
        # error) opens: the missing graphs fail when used, with the manifest's reason.
        problems = []
        for name in self.manifest.graphs:
            try:
                self.manifest.file(name, self._format, self.variant, verify=False)
            except ManifestError as e:
                problems.append((name, e))
        if problems and (len(problems) == len(self.manifest.graphs) or any(
                self.manifest.refused(name, self._format, self.variant) is None for name, _ in problems)):
            raise problems[0][1]
        self._sessions = {}

    # ----- what the export is ---------------------------------------------------------
    @property
    def image_shape(self):
        return self.manifest.image_shape

    @property
    def latent_dim(self):
        return self.manifest.latent_dim

    @property
    def conditional(self):
        return self.manifest.conditional

    @property
    def num_classes(self):
        return self.manifest.num_classes

    @property
    def label_names(self):
        return self.manifest.label_names

    @property
    def value_range(self):
        return self.manifest.value_range

    def __repr__(self):
        variant = f", variant={self.variant!r}" if self.variant else ""
        return f"ExportedVAE({str(self.manifest.folder)!r}, backend={self.backend!r}{variant})"

    # ----- running graphs -------------------------------------------------------------
    def session(self, graph):
        """The (cached) backend session of ``graph``: ``.run({input: array}) -> {output: array}``."""
        if graph not in self._sessions:
            spec = self.manifest.graph(graph)
            path = self.manifest.file(graph, self._format, self.variant, verify=self.verify_files)
            self._sessions[graph] = backends.open_session(self.backend, path, spec, self.threads)
        return self._sessions[graph]

    def _run(self, graph, feed, batch_size):
        """Runs ``graph`` on a checked ``feed`` in chunks of ``batch_size``; concatenates outputs."""
        spec = self.manifest.graph(graph)
        batch_size = checks.check_positive_int(batch_size, "batch_size")
        n = len(next(iter(feed.values())))
        if n == 0:
            # Runtimes differ on empty batches (LiteRT cannot resize to 0): answer directly.
            return {t.name: np.zeros((0,) + t.shape[1:], t.dtype) for t in spec.outputs}
        session = self.session(graph)
        parts = [
            session.run({name: feed[name][i : i + batch_size] for name in spec.input_names})
            for i in range(0, n, batch_size)
        ]
        return {name: np.concatenate([p[name] for p in parts]) for name in spec.output_names}

    def _spec(self, graph, name):
        return next(t for t in self.manifest.graph(graph).inputs if t.name == name)

    def _images(self, x, graph):
        return checks.check_array(x, self._spec(graph, "image").shape[1:], "images", self.value_range)

    def _labels(self, labels, n):
        labels = checks.check_labels(labels, self.num_classes, n, subject="export")
        return {} if labels is None else {"label": labels}

    # ----- the API ----------------------------------------------------------------------
    def encode(self, x, labels=None, batch_size=512):
        """Posterior parameters ``(z_mean, z_log_var)``, each (batch, latent_dim).

        Args:
            x: images (batch, *image_shape), floating, within the manifest's value_range.
            labels: class ids (batch,), for a conditional export only.
            batch_size: examples per runtime call.

        Example:
        >>> z_mean, z_log_var = vae.encode(images)
        """
        x = self._images(x, "encoder")
        out = self._run("encoder", {"image": x, **self._labels(labels, len(x))}, batch_size)
        return out["z_mean"], out["z_log_var"]

    def decode(self, z, labels=None, batch_size=512):
        """The likelihood's mean image E[x|z] (pixel probabilities for a Bernoulli model).

        Args:
            z: latent points (batch, latent_dim), floating.
            labels: class ids (batch,), for a conditional export only.
            batch_size: examples per runtime call.

        Raises:
            ManifestError: the export has no decoder graph (an autoregressive decoder, e.g.
                PixelVAE or SequenceVAE: ``manifest.graphs_left_out`` gives the reason).

        Example:
        >>> vae.decode(np.zeros((1, vae.latent_dim), "float32")).shape
        (1, 28, 28, 1)
        """
        self.manifest.graph("decoder")  # a decoder left out at export: its reason, before any check
        z = checks.check_array(z, self._spec("decoder", "z").shape[1:], "z")
        return self._run("decoder", {"z": z, **self._labels(labels, len(z))}, batch_size)["image_mean"]

    def reconstruct(self, x, labels=None, batch_size=512):
        """Decodes the posterior mean of each image, as ``VAE.reconstruct`` does (needs the decoder graph).

        An export without a decoder graph still reconstructs through the scorer:
        ``score(x, return_reconstruction=True)``.
        """
        self.manifest.graph("decoder")
        z_mean, _ = self.encode(x, labels, batch_size)
        return self.decode(z_mean, labels, batch_size)

    def sample(self, n, labels=None, seed=None):
        """Draws ``n`` images: z ~ N(0, I) from ``numpy.random.default_rng(seed)``, then decodes.

        The draws differ from ``VAE.sample(seed=...)`` (Keras' generator); pass the same
        z to ``decode`` on both to compare them.

        Args:
            n: number of images.
            labels: class ids (n,) for a conditional export; default 0, 1, ...,
                num_classes-1, 0, ... as in ``VAE.sample``.
            seed: seed of the draws (None: fresh entropy).

        Example:
        >>> vae.sample(16, seed=0).shape
        (16, 28, 28, 1)
        """
        self.manifest.graph("decoder")
        n = checks.check_positive_int(n, "n")
        if self.conditional and labels is None:
            labels = np.arange(n) % self.num_classes
        z = np.random.default_rng(seed).standard_normal((n, self.latent_dim), dtype=np.float32)
        return self.decode(z, labels)

    def score(self, x, labels=None, noise=None, seed=None, batch_size=512, return_reconstruction=False):
        """Anomaly score: the negative ELBO in nats per image (higher = less like the training data).

        Evaluated at ``z = z_mean + exp(z_log_var / 2) * noise``. By default the noise is
        zero (the posterior mean), so the score is deterministic; ``seed`` draws N(0, I)
        noise instead, the usual one-sample ELBO estimate.

        Args:
            x: images (batch, *image_shape) within the manifest's value_range.
            labels: class ids, for a conditional export only.
            noise: (batch, latent_dim) noise; overrides ``seed``.
            seed: draw the noise from ``numpy.random.default_rng(seed)``.
            batch_size: examples per runtime call.
            return_reconstruction: also return the decoded image at that z.

        Returns:
            scores (batch,), or ``(scores, reconstructions)``.

        Example:
        >>> vae.score(images[:4])
        array([ 81.2,  95.7, 102.3,  77.9], dtype=float32)
        """
        x = self._images(x, "scorer")
        noise_spec = self._spec("scorer", "noise")
        if noise is None:
            shape = (len(x), self.latent_dim)
            noise = (
                np.zeros(shape, np.float32)
                if seed is None
                else np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)
            )
        noise = checks.check_array(noise, noise_spec.shape[1:], "noise")
        if len(noise) != len(x):
            raise checks.InputError(f"got noise for {len(noise)} examples and {len(x)} images")
        out = self._run("scorer", {"image": x, **self._labels(labels, len(x)), "noise": noise}, batch_size)
        return (out["score"], out["reconstruction"]) if return_reconstruction else out["score"]


def load(folder, backend=backends.DEFAULT_BACKEND, variant=None, threads=None):
    """``ExportedVAE(folder, backend, variant, threads)``.

    Example:
    >>> vae = keras_vae.runtime.load("dist/conv_mnist", backend="litert", variant="int8")
    """
    return ExportedVAE(folder, backend=backend, variant=variant, threads=threads)
