"""Single-source domain-generalisation augmentation: make one CT look like many scanners and MR.

Applied to every training sample (each ingredient with its own probability), on slices already
normalised to [0, 1] by the volume's percentiles. Ingredients (names as in the ablation runner
``training/experiments/ablate_dg.py``):

* ``gin``: global intensity non-linearity (Ouyang et al., TMI 2022): a random shallow network
  of 1x1/3x3 convolutions with leaky ReLUs, its output blended with the image
  (alpha ~ U(0, 1)) and brought back to the image's range;
* ``curve``: a random intensity curve: a cubic Bezier curve through (0, 0) and (1, 1)
  (SLAug's global transform; its control points unsorted, so it may be non-monotonic), a random
  non-monotonic piecewise-linear look-up table (4-7 knots), or gamma 0.6..1.7;
* ``location_scale``: SLAug's location-scale augmentation: global (x * s + l) and local, where
  every labelled organ and the background get their own Bezier curve and location-scale, so the
  contrast *between* tissues changes, not only the global curve;
* ``inversion``: 1 - x with p 0.3;
* ``bias_field``: a smooth multiplicative field: exp of a 4 x 4 Gaussian grid (sd 0.35)
  up-sampled cubically over the slice;
* ``noise``: Gaussian sigma 0.005..0.05; ``resolution``: down/up-sampling x1.5..2.5.

Every function takes a 2D float32 image in [0, 1] and a ``numpy.random.Generator`` and returns
(image in [0, 1], record); the same seed gives the same output. The held-out shifts of
:mod:`training.data.shifts` keep parameters outside these ranges (gamma 0.35/2.8, 7x7 random
convolution, blur 1.2 px + noise 0.08) but the *families* of ``sinusoid`` and ``pseudo_mr``
(non-monotonic look-up tables, bias field) are now trained, so those two proxies measure
generalisation to unseen curves of a trained family, not to an unseen transform type.
"""

from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

import numpy as np
from scipy import ndimage

from .augment import gamma, inversion, noise, rescale01, resolution

Record = Dict[str, object]

INGREDIENTS: Tuple[str, ...] = (
    "gin",
    "curve",
    "location_scale",
    "inversion",
    "bias_field",
    "noise",
    "resolution",
)


def _leaky(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, 0.2 * x)


def gin(img: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, Record]:
    """GIN: random 4-layer conv net (2 hidden channels, kernels 1 or 3) blended with the image."""
    x = img[None].astype(np.float32)  # [C=1, H, W]
    n_layers = 4
    for layer in range(n_layers):
        c_out = 1 if layer == n_layers - 1 else 2
        k = int(rng.choice((1, 3)))
        w = rng.normal(0, 1.0, size=(c_out, x.shape[0], k, k)).astype(np.float32)
        b = rng.normal(0, 0.1, size=c_out).astype(np.float32)
        y = np.empty((c_out,) + img.shape, np.float32)
        for o in range(c_out):
            acc = np.full(img.shape, b[o], np.float32)
            for i in range(x.shape[0]):
                acc += ndimage.convolve(x[i], w[o, i], mode="reflect")
            y[o] = acc
        x = _leaky(y) if layer < n_layers - 1 else y
    out = rescale01(x[0])
    alpha = float(rng.uniform(0, 1))
    return rescale01(alpha * out + (1 - alpha) * img), {"name": "gin", "alpha": alpha}


def bezier_lut(rng: np.random.Generator, n: int = 256) -> Tuple[np.ndarray, np.ndarray]:
    """A random cubic Bezier curve from (0, 0) to (1, 1) as a look-up table (xs, ys) on [0, 1]."""
    p1, p2 = rng.uniform(0, 1, 2), rng.uniform(0, 1, 2)
    t = np.linspace(0, 1, n)
    bx = 3 * (1 - t) ** 2 * t * p1[0] + 3 * (1 - t) * t**2 * p2[0] + t**3
    by = 3 * (1 - t) ** 2 * t * p1[1] + 3 * (1 - t) * t**2 * p2[1] + t**3
    order = np.argsort(bx)
    return bx[order], by[order]


def bezier(img: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, Record]:
    xs, ys = bezier_lut(rng)
    out = np.interp(img, xs, ys)
    if rng.random() < 0.5:  # SLAug also uses the mirrored curve
        out = 1 - out
    return np.clip(out, 0, 1).astype(np.float32), {"name": "bezier"}


def random_lut(img: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, Record]:
    """Non-monotonic piecewise-linear look-up table: 4-7 inner knots with random outputs."""
    n = int(rng.integers(4, 8))
    xs = np.concatenate([[0.0], np.sort(rng.uniform(0, 1, n)), [1.0]])
    ys = rng.uniform(0, 1, n + 2)
    return np.interp(img, xs, ys).astype(np.float32), {"name": "random_lut", "knots": n}


def curve(img: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, Record]:
    """One random intensity curve: Bezier, non-monotonic LUT or gamma (equal odds)."""
    u = rng.random()
    fn = bezier if u < 1 / 3 else random_lut if u < 2 / 3 else gamma
    return fn(img, rng)


def _location_scale(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    s = float(np.exp(rng.normal(0, 0.3)))
    loc = float(rng.normal(0, 0.2))
    return x * s + loc


def location_scale(
    img: np.ndarray, labels: Optional[np.ndarray], rng: np.random.Generator
) -> Tuple[np.ndarray, Record]:
    """SLAug location-scale: global (x * s + l) or, with labels, local per region.

    Local: the background and every organ in ``labels`` [H, W] get their own Bezier curve and
    location-scale; the result is rescaled to [0, 1].
    """
    if labels is None or rng.random() < 0.5:
        return rescale01(_location_scale(img, rng)), {"name": "location_scale_global"}
    out = np.empty_like(img)
    for v in np.unique(labels):
        m = labels == v
        xs, ys = bezier_lut(rng)
        out[m] = _location_scale(np.interp(img[m], xs, ys), rng)
    return rescale01(out), {"name": "location_scale_local"}


def smooth_bias_field(img: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, Record]:
    """Multiplicative field exp(g), g a 4 x 4 Gaussian grid (sd 0.35) up-sampled cubically."""
    h, w = img.shape
    g = rng.normal(0, 0.35, (4, 4))
    field = np.exp(ndimage.zoom(g, (h / 4, w / 4), order=3, mode="nearest"))[:h, :w]
    out = img * field
    return np.clip(out / max(float(np.percentile(out, 99.5)), 1e-6), 0, 1).astype(np.float32), {
        "name": "bias_field",
        "strength": float(np.abs(g).mean()),
    }


DEFAULT_P: Dict[str, float] = {
    "gin": 0.5,
    "curve": 0.6,
    "location_scale": 0.4,
    "inversion": 0.3,
    "bias_field": 0.5,
    "noise": 0.4,
    "resolution": 0.2,
}


class DGAugmenter:
    """Every ingredient of :data:`INGREDIENTS` with probability ``p[name]``, in a fixed order.

    ``disabled`` names ingredients to leave out (the ablation runs).
    """

    def __init__(self, p: Optional[Dict[str, float]] = None, disabled: Sequence[str] = ()) -> None:
        unknown = set(disabled) - set(INGREDIENTS)
        if unknown:
            raise ValueError(f"unknown augmentation ingredient(s): {sorted(unknown)}")
        self.p = dict(DEFAULT_P, **(p or {}))
        self.disabled: FrozenSet[str] = frozenset(disabled)

    def _on(self, name: str, rng: np.random.Generator) -> bool:
        hit = rng.random() < self.p[name]
        return hit and name not in self.disabled

    def __call__(
        self, img: np.ndarray, rng: np.random.Generator, labels: Optional[np.ndarray] = None
    ) -> Tuple[np.ndarray, List[Record]]:
        records: List[Record] = []
        x = img.astype(np.float32)
        steps = [
            ("location_scale", lambda a: location_scale(a, labels, rng)),
            ("curve", lambda a: curve(a, rng)),
            ("gin", lambda a: gin(a, rng)),
            ("inversion", lambda a: inversion(a, rng)),
            ("bias_field", lambda a: smooth_bias_field(a, rng)),
            ("resolution", lambda a: resolution(a, rng)),
            ("noise", lambda a: noise(a, rng)),
        ]
        for name, fn in steps:
            if self._on(name, rng):
                x, r = fn(x)
                records.append(r)
        return np.clip(x, 0, 1).astype(np.float32), records
