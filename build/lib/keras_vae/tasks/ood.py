"""Out-of-distribution image sets for MNIST-like models, built offline and deterministically.

Every set is float32 of shape ``(n, 28, 28, 1)`` with values in [0, 1], binary except
where it is built from grey-level inputs (``inverted`` keeps the input's levels):

- ``inverted``: ``1 - x`` of given digits: white background, black strokes.
- ``uniform_noise``: independent Bernoulli pixels with MNIST's mean ink density, so the
  set matches digits in the amount of ink but has no strokes.
- ``letters``: capital letters A-Z rendered with Pillow's built-in font (no file or
  network needed), randomly sized, rotated and shifted, then fitted and centred in 28x28
  the way MNIST digits were, and thresholded: strokes like digits, shapes unlike them.

``auroc`` scores how well a per-example score separates in- from out-of-distribution.

Example:
>>> from keras_vae.tasks import ood
>>> sets = ood.ood_sets(test_images, n=1000, seed=0)  # {"inverted": ..., "noise": ..., "letters": ...}
>>> ood.auroc(score(test_images), score(sets["letters"]))  # > 0.5: the score is higher on letters
"""

import string

import numpy as np

from keras_vae.models import checks
from keras_vae.tasks.metrics import detection_metrics

IMAGE_SHAPE = (28, 28, 1)

# Mean pixel of the MNIST training images (grey levels / 255), which is also the
# expected ink density of their Bernoulli binarisation.
MNIST_MEAN_PIXEL = 0.1307

# MNIST's recipe (LeCun et al.): fit the glyph in a 20x20 box keeping its aspect
# ratio, then place its centre of mass at the centre of the 28x28 field.
_BOX = 20
_SIDE = 28


def _check_n(n):
    return checks.check_positive_int(n, "n")


def inverted(images):
    """``1 - images``: digits with their ink and background swapped.

    Args:
        images: float images of shape (n, 28, 28, 1) in [0, 1].

    Returns:
        float32 array of the same shape.

    Example:
    >>> inv = inverted(test_images[:100])
    """
    x = checks.check_images(images, IMAGE_SHAPE, (0.0, 1.0))
    return (1.0 - x).astype("float32")


def uniform_noise(n, seed=0, density=MNIST_MEAN_PIXEL):
    """Binary noise: every pixel independently 1 with probability ``density``.

    The default density is MNIST's mean pixel (0.1307), so noise images carry as much
    ink on average as binarised digits and differ only in having no structure.

    Args:
        n: number of images.
        seed: seed of ``numpy.random.default_rng``.
        density: probability that a pixel is 1, in [0, 1].

    Returns:
        float32 array of shape (n, 28, 28, 1) with values in {0, 1}.

    Example:
    >>> noise = uniform_noise(100, seed=0)
    """
    n = _check_n(n)
    if not 0.0 <= float(density) <= 1.0:
        raise ValueError(f"density must lie in [0, 1], got {density}")
    rng = np.random.default_rng(seed)
    return (rng.random((n,) + IMAGE_SHAPE) < density).astype("float32")


def _fit_and_centre(glyph, box, shift):
    """MNIST placement of one grey glyph (2-d, values in [0, 1]) into a 28x28 field."""
    from PIL import Image

    rows, cols = np.nonzero(glyph > 0.05)
    glyph = glyph[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    h, w = glyph.shape
    scale = box / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.asarray(Image.fromarray((glyph * 255).astype("uint8")).resize(size, Image.LANCZOS), "float32") / 255.0
    small = np.clip(small, 0.0, 1.0)
    # Centre of mass of the ink at the field's centre, then the random shift.
    ys, xs = np.indices(small.shape)
    mass = small.sum()
    cy, cx = (ys * small).sum() / mass, (xs * small).sum() / mass
    top = int(round(_SIDE / 2 - 0.5 - cy)) + shift[0]
    left = int(round(_SIDE / 2 - 0.5 - cx)) + shift[1]
    top = min(max(top, 0), _SIDE - small.shape[0])
    left = min(max(left, 0), _SIDE - small.shape[1])
    field = np.zeros((_SIDE, _SIDE), "float32")
    field[top : top + small.shape[0], left : left + small.shape[1]] = small
    return field


def letters(n, seed=0, threshold=0.5):
    """Random capital letters A-Z, MNIST-style, thresholded to binary.

    Each letter is drawn with Pillow's built-in scalable font (``ImageFont.load_default``,
    Pillow >= 10.1, no font file needed) at 64 px with a random stroke width of 1-4 px,
    rotated by a random angle in [-15, 15] degrees, fitted into a square box of random
    side 16-20 px keeping its aspect ratio, placed with its centre of mass at the field's
    centre and shifted by up to 2 px each way, then set to 1 where the grey level
    exceeds ``threshold``.

    Args:
        n: number of images.
        seed: seed of ``numpy.random.default_rng`` (letters, sizes, angles, shifts).
        threshold: grey level above which a pixel becomes 1.

    Returns:
        float32 array of shape (n, 28, 28, 1) with values in {0, 1}.

    Example:
    >>> alphabet = letters(26, seed=0)
    """
    from PIL import Image, ImageDraw, ImageFont

    n = _check_n(n)
    font = ImageFont.load_default(size=64)
    rng = np.random.default_rng(seed)
    out = np.zeros((n,) + IMAGE_SHAPE, "float32")
    for i in range(n):
        char = string.ascii_uppercase[rng.integers(26)]
        stroke = int(rng.integers(1, 5))
        angle = float(rng.uniform(-15.0, 15.0))
        box = int(rng.integers(16, _BOX + 1))
        shift = tuple(int(v) for v in rng.integers(-2, 3, size=2))
        canvas = Image.new("L", (128, 128), 0)
        draw = ImageDraw.Draw(canvas)
        draw.text((64, 64), char, fill=255, font=font, anchor="mm", stroke_width=stroke, stroke_fill=255)
        canvas = canvas.rotate(angle, resample=Image.BILINEAR)
        glyph = np.asarray(canvas, "float32") / 255.0
        out[i, :, :, 0] = _fit_and_centre(glyph, box, shift) > threshold
    return out


def ood_sets(test_images, n, seed=0):
    """The three sets by name: ``{"inverted", "noise", "letters"}``, ``n`` images each.

    Args:
        test_images: in-distribution digits (n', 28, 28, 1) in [0, 1], n' >= n; the first
            ``n`` are inverted, so pass the digits you compare against to pair them.
        n: images per set.
        seed: seed of the noise and the letters.

    Returns:
        dict name -> float32 array of shape (n, 28, 28, 1).

    Example:
    >>> sets = ood_sets(test_images, n=1000, seed=0)
    """
    n = _check_n(n)
    test_images = checks.check_images(test_images, IMAGE_SHAPE, (0.0, 1.0))
    if len(test_images) < n:
        raise ValueError(f"need at least n={n} test images to invert, got {len(test_images)}")
    return {
        "inverted": inverted(test_images[:n]),
        "noise": uniform_noise(n, seed),
        "letters": letters(n, seed),
    }


def auroc(in_scores, out_scores):
    """Area under the ROC curve with out-of-distribution as the positive class.

    1.0: every OOD example scores higher than every in-distribution one; 0.5: the score
    does not separate them; below 0.5: OOD examples tend to score *lower*. Ties count
    one half. Needs scikit-learn (``pip install keras-vae[apps]``).

    Example:
    >>> auroc([0.1, 0.2], [0.3, 0.15])  # 3 of the 4 (in, out) pairs are ordered
    0.75
    """
    return detection_metrics(in_scores, out_scores)["auroc"]
