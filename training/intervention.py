"""Simulated segmentation errors for training and testing TCI interventions.

``under``: inside a disk R that overlaps organ k, the organ's pixels are overwritten with the
surrounding tissue's intensity, so the model tends to miss that part; the matching
intervention is ``grow`` on class k gated by R. ``leak``: inside a disk R next to organ k,
non-organ pixels are painted with organ k's intensity, so the model tends to leak into the
neighbour; the matching intervention is ``shrink`` on class k gated by R. The target is always
the unmodified label map; the loss on the intervened output is taken inside R only.
"""

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy import ndimage

GROW, SHRINK = 0, 1


@dataclass
class SimulatedError:
    image: np.ndarray  # [S, S] corrupted image
    gate: np.ndarray  # [S, S] float32 in {0, 1}
    kind: int  # GROW or SHRINK
    cls: int  # class index (1..K-1)


def _disk(shape: tuple, cy: float, cx: float, r: float) -> np.ndarray:
    yy, xx = np.ogrid[: shape[0], : shape[1]]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def simulate_error(
    image: np.ndarray, classes: np.ndarray, rng: np.random.Generator, min_pixels: int = 30
) -> Optional[SimulatedError]:
    """Pick an organ present in ``classes`` [S, S] and corrupt ``image`` [S, S] around it."""
    present = [int(c) for c in np.unique(classes) if c > 0 and (classes == c).sum() >= min_pixels]
    if not present:
        return None
    k = int(rng.choice(present))
    organ = classes == k
    r = float(rng.uniform(5, 12))
    img = image.copy()
    ring = ndimage.binary_dilation(organ, iterations=4) & ~organ
    if rng.random() < 0.5:
        ys, xs = np.nonzero(organ)
        i = int(rng.integers(len(ys)))
        gate = _disk(organ.shape, ys[i], xs[i], r)
        fill = float(np.median(image[ring])) if ring.any() else 0.0
        region = gate & organ
        img[region] = fill + rng.normal(0, 0.02, int(region.sum()))
        kind = GROW
    else:
        shell = ndimage.binary_dilation(organ, iterations=int(r // 2) + 1) & ~organ
        ys, xs = np.nonzero(shell)
        if len(ys) == 0:
            return None
        i = int(rng.integers(len(ys)))
        gate = _disk(organ.shape, ys[i], xs[i], r)
        region = gate & ~organ
        mean, std = float(image[organ].mean()), float(image[organ].std())
        img[region] = mean + rng.normal(0, max(std, 0.01), int(region.sum()))
        kind = SHRINK
    return SimulatedError(np.clip(img, 0, 1).astype(np.float32), gate.astype(np.float32), kind, k)
