"""Synthetic slices (random ellipses) for tests and smoke runs: no files needed."""

import numpy as np

from .preprocess import SliceSet


def synthetic_slices(n: int, size: int, num_classes: int, seed: int = 0) -> SliceSet:
    """``n`` slices [size, size] with up to ``num_classes`` ellipses of distinct intensity."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    images = np.zeros((n, size, size), np.float32)
    classes = np.zeros((n, size, size), np.uint8)
    for i in range(n):
        images[i] = rng.uniform(0.05, 0.2)
        for k in range(1, num_classes + 1):
            cy, cx = rng.uniform(0.2, 0.8, 2) * size
            ry, rx = rng.uniform(0.08, 0.2, 2) * size
            m = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
            images[i][m] = 0.2 + 0.6 * k / num_classes
            classes[i][m] = k
        images[i] += rng.normal(0, 0.02, (size, size)).astype(np.float32)
    images = np.clip(images, 0, 1)
    return SliceSet(
        images,
        classes,
        classes.astype(np.int16),
        np.arange(n),
        [{"modality": "CT", "dataset": "synthetic"}] * n,
    )
