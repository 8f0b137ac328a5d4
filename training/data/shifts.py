"""Held-out style shifts for testing. None of them is used in training.

* ``gamma_extreme``: gamma 0.35 (odd slices) / 2.8 (even) - outside the training range 0.6..1.7.
* ``randconv7``: random convolution with a 7 x 7 kernel (training: 1, 3, 5), fixed seed 7000+i.
* ``sinusoid``: non-monotonic remap 0.5 + 0.5 sin(2 pi * 1.3 x + 0.7) - a transform type never
  used in training.
* ``blur_noise``: Gaussian blur sigma 1.2 px then noise sigma 0.08 (training noise <= 0.05; blur
  is not a training transform).
* ``pseudo_mr``: a fixed non-monotonic lookup table that makes fat bright, fluid dark and solid
  organs mid-grey (a crude T1-like appearance), with a fixed bias field and noise 0.03.
"""

from typing import Callable, Dict

import numpy as np
from scipy import ndimage

from .augment import rescale01


def _gamma_extreme(img: np.ndarray, i: int) -> np.ndarray:
    return np.power(img, 0.35 if i % 2 else 2.8).astype(np.float32)


def _randconv7(img: np.ndarray, i: int) -> np.ndarray:
    rng = np.random.default_rng(7000 + i)
    w = rng.normal(0, 1.0 / 7, size=(7, 7)).astype(np.float32)
    return rescale01(ndimage.convolve(img, w, mode="reflect"))


def _sinusoid(img: np.ndarray, i: int) -> np.ndarray:
    return (0.5 + 0.5 * np.sin(2 * np.pi * 1.3 * img + 0.7)).astype(np.float32)


def _blur_noise(img: np.ndarray, i: int) -> np.ndarray:
    rng = np.random.default_rng(8000 + i)
    out = ndimage.gaussian_filter(img, 1.2) + rng.normal(0, 0.08, img.shape)
    return np.clip(out, 0, 1).astype(np.float32)


_LUT_X = np.array([0.0, 0.1, 0.2, 0.35, 0.45, 0.52, 0.58, 0.7, 1.0])
_LUT_Y = np.array([0.02, 0.7, 0.9, 0.3, 0.2, 0.45, 0.6, 0.5, 0.3])


def _pseudo_mr(img: np.ndarray, i: int) -> np.ndarray:
    rng = np.random.default_rng(9000 + i)
    h, w = img.shape
    yy, xx = np.meshgrid(np.linspace(-1, 1, h), np.linspace(-1, 1, w), indexing="ij")
    field = np.exp(0.25 * xx - 0.2 * yy + 0.15 * xx * yy)
    out = np.interp(img, _LUT_X, _LUT_Y) * field + rng.normal(0, 0.03, img.shape)
    return np.clip(out, 0, 1).astype(np.float32)


SHIFTS: Dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "gamma_extreme": _gamma_extreme,
    "randconv7": _randconv7,
    "sinusoid": _sinusoid,
    "blur_noise": _blur_noise,
    "pseudo_mr": _pseudo_mr,
}


def apply_shift(name: str, images: np.ndarray) -> np.ndarray:
    """Apply held-out shift ``name`` to slices [N, H, W] (slice i uses seed/parameter i)."""
    if name == "none":
        return images.copy()
    fn = SHIFTS[name]
    return np.stack([fn(im, i) for i, im in enumerate(images)]).astype(np.float32)
