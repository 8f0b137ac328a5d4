"""Style augmentations that make one source domain look like many, and spatial augmentation.

All functions take a 2D image [H, W] float32 in [0, 1] and a ``numpy.random.Generator``; the
same seed gives the same output. Each style transform returns the image and a record
``{"name": ..., params}`` that the style describer turns into words.

Training ranges (the held-out shifts in :mod:`training.data.shifts` lie outside them):
intensity remap (monotone piecewise-linear, 4 knots) or gamma in [0.6, 1.7]; random
convolution with kernel 1, 3 or 5; Gaussian noise sigma <= 0.05; multiplicative bias field
exp(quadratic, |coefficients| <= 0.3); resolution change (down-sample x1.5..2.5, linear
up-sample); contrast inversion.
"""

from typing import Dict, List, Optional, Tuple

import numpy as np
from scipy import ndimage

Record = Dict[str, object]


def rescale01(x: np.ndarray) -> np.ndarray:
    lo, hi = float(x.min()), float(x.max())
    return ((x - lo) / max(hi - lo, 1e-6)).astype(np.float32)


def gamma(img: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, Record]:
    g = float(np.exp(rng.uniform(np.log(0.6), np.log(1.7))))
    return np.power(np.clip(img, 0, 1), g).astype(np.float32), {"name": "gamma", "gamma": g}


def intensity_remap(img: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, Record]:
    """Random monotone piecewise-linear curve through (0, 0), 4 random knots and (1, 1)."""
    xs = np.concatenate([[0.0], np.sort(rng.uniform(0, 1, 4)), [1.0]])
    ys = np.concatenate([[0.0], np.sort(rng.uniform(0, 1, 4)), [1.0]])
    return np.interp(img, xs, ys).astype(np.float32), {"name": "intensity_remap"}


def random_conv(
    img: np.ndarray, rng: np.random.Generator, kernels: Tuple[int, ...] = (1, 3, 5)
) -> Tuple[np.ndarray, Record]:
    """RandConv (Xu et al., ICLR 2021): convolve with a random kernel, rescale to [0, 1]."""
    k = int(rng.choice(kernels))
    w = rng.normal(0, 1.0 / k, size=(k, k)).astype(np.float32)
    out = ndimage.convolve(img, w, mode="reflect")
    return rescale01(out), {"name": "random_conv", "kernel": k}


def noise(img: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, Record]:
    s = float(rng.uniform(0.005, 0.05))
    out = img + rng.normal(0, s, img.shape).astype(np.float32)
    return np.clip(out, 0, 1).astype(np.float32), {"name": "noise", "sigma": s}


def bias_field(img: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, Record]:
    h, w = img.shape
    yy, xx = np.meshgrid(np.linspace(-1, 1, h), np.linspace(-1, 1, w), indexing="ij")
    c = rng.uniform(-0.3, 0.3, 5)
    field = np.exp(c[0] * xx + c[1] * yy + c[2] * xx * yy + c[3] * xx**2 + c[4] * yy**2)
    strength = float(np.abs(c).sum())
    return np.clip(img * field, 0, 1).astype(np.float32), {
        "name": "bias_field",
        "strength": strength,
    }


def resolution(img: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, Record]:
    f = float(rng.uniform(1.5, 2.5))
    small = ndimage.zoom(img, 1 / f, order=1)
    back = ndimage.zoom(
        small, (img.shape[0] / small.shape[0], img.shape[1] / small.shape[1]), order=1
    )
    return back[: img.shape[0], : img.shape[1]].astype(np.float32), {
        "name": "resolution",
        "factor": f,
    }


def inversion(img: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, Record]:
    return (1.0 - img).astype(np.float32), {"name": "inversion"}


STYLE_TRANSFORMS = {
    "gamma": gamma,
    "intensity_remap": intensity_remap,
    "random_conv": random_conv,
    "noise": noise,
    "bias_field": bias_field,
    "resolution": resolution,
    "inversion": inversion,
}


class StyleAugmenter:
    """Apply each style transform with probability ``p[name]`` in a fixed order.

    Intensity remap and gamma are exclusive (one of them with p['intensity']).
    """

    def __init__(self, p: Optional[Dict[str, float]] = None) -> None:
        self.p = {
            "intensity": 0.6,
            "random_conv": 0.5,
            "inversion": 0.3,
            "bias_field": 0.4,
            "resolution": 0.25,
            "noise": 0.4,
        }
        if p:
            self.p.update(p)

    def __call__(
        self, img: np.ndarray, rng: np.random.Generator
    ) -> Tuple[np.ndarray, List[Record]]:
        records: List[Record] = []
        x = img.astype(np.float32)
        if rng.random() < self.p["intensity"]:
            fn = gamma if rng.random() < 0.5 else intensity_remap
            x, r = fn(x, rng)
            records.append(r)
        for name in ("random_conv", "inversion", "bias_field", "resolution", "noise"):
            if rng.random() < self.p[name]:
                x, r = STYLE_TRANSFORMS[name](x, rng)
                records.append(r)
        return x, records


def spatial(
    img: np.ndarray, labels: List[np.ndarray], rng: np.random.Generator, strength: float = 1.0
) -> Tuple[np.ndarray, List[np.ndarray]]:
    """Random rotation (+-12 deg), scale (0.85..1.15) and shift (+-16 px) of an image and labels.

    The large shifts keep a model from predicting organs from their position alone.

    No flips: left/right organs keep their sides.
    """
    h, w = img.shape
    a = np.deg2rad(rng.uniform(-12, 12) * strength)
    s = 1.0 + rng.uniform(-0.15, 0.15) * strength
    t = rng.uniform(-16, 16, 2) * strength
    m = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) / s
    c = np.array([h / 2, w / 2])
    offset = c - m @ c + t
    out = ndimage.affine_transform(img, m, offset, order=1, mode="constant", cval=0.0)
    labs = [
        ndimage.affine_transform(lab, m, offset, order=0, mode="constant", cval=0) for lab in labels
    ]
    return out.astype(np.float32), labs
