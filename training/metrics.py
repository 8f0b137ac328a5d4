"""Dice and 95th-percentile Hausdorff distance (mm) on 3D label stacks."""

from typing import Dict, Sequence, Tuple

import numpy as np
from scipy import ndimage

#: HD95 when a prediction is empty but the reference is not: the diagonal of a 128 x 128 x 10
#: stack of 3 mm voxels (a documented penalty, not a measurement).
EMPTY_HD95_MM = float(np.sqrt((128 * 3.0) ** 2 * 2 + (10 * 3.0) ** 2))


def dice(pred: np.ndarray, ref: np.ndarray) -> float:
    p, r = pred.astype(bool), ref.astype(bool)
    s = p.sum() + r.sum()
    return 1.0 if s == 0 else float(2 * (p & r).sum() / s)


def _surface(m: np.ndarray) -> np.ndarray:
    return m & ~ndimage.binary_erosion(m, border_value=0)


def hd95(pred: np.ndarray, ref: np.ndarray, spacing: Sequence[float]) -> float:
    """Symmetric 95th percentile surface distance in mm (``EMPTY_HD95_MM`` if one is empty)."""
    p, r = pred.astype(bool), ref.astype(bool)
    if not p.any() and not r.any():
        return 0.0
    if not p.any() or not r.any():
        return EMPTY_HD95_MM
    sp, sr = _surface(p), _surface(r)
    dr = ndimage.distance_transform_edt(~sr, sampling=spacing)
    dp = ndimage.distance_transform_edt(~sp, sampling=spacing)
    d = np.concatenate([dr[sp], dp[sr]])
    return float(np.percentile(d, 95))


def per_class_scores(
    pred: np.ndarray,
    ref: np.ndarray,
    class_names: Sequence[str],
    spacing: Tuple[float, float, float],
) -> Dict[str, Dict[str, float]]:
    """pred/ref [Z, H, W] class indices (1..K) -> {name: {dice, hd95_mm}} for classes in ref."""
    out: Dict[str, Dict[str, float]] = {}
    for i, name in enumerate(class_names, start=1):
        if not (ref == i).any():
            continue
        out[name] = {
            "dice": dice(pred == i, ref == i),
            "hd95_mm": hd95(pred == i, ref == i, spacing),
        }
    return out
