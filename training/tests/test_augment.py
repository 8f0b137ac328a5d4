"""Style augmentations and held-out shifts: determinism with a seed, value ranges."""

import numpy as np
import pytest

from training.data.augment import STYLE_TRANSFORMS, StyleAugmenter, spatial
from training.data.shifts import SHIFTS, apply_shift


def img() -> np.ndarray:
    return np.random.default_rng(1).random((48, 48)).astype(np.float32)


@pytest.mark.parametrize("name", sorted(STYLE_TRANSFORMS))
def test_transform_deterministic_and_in_range(name: str) -> None:
    fn = STYLE_TRANSFORMS[name]
    a, ra = fn(img(), np.random.default_rng(5))
    b, rb = fn(img(), np.random.default_rng(5))
    assert np.array_equal(a, b) and ra == rb
    assert a.shape == (48, 48) and a.dtype == np.float32
    assert a.min() >= -1e-6 and a.max() <= 1 + 1e-6


def test_augmenter_deterministic_and_varied() -> None:
    aug = StyleAugmenter()
    outs = [aug(img(), np.random.default_rng(s)) for s in (3, 3, 4)]
    assert np.array_equal(outs[0][0], outs[1][0]) and outs[0][1] == outs[1][1]
    assert not np.array_equal(outs[0][0], outs[2][0])
    names = {r["name"] for s in range(50) for r in aug(img(), np.random.default_rng(s))[1]}
    assert {"random_conv", "inversion", "bias_field", "resolution", "noise"} <= names


def test_spatial_keeps_labels_integer() -> None:
    lab = np.zeros((48, 48), np.uint8)
    lab[10:30, 10:30] = 3
    out, (l2,) = spatial(img(), [lab], np.random.default_rng(0))
    assert set(np.unique(l2)) <= {0, 3}
    assert out.shape == (48, 48)


@pytest.mark.parametrize("name", sorted(SHIFTS))
def test_shifts_deterministic(name: str) -> None:
    x = np.stack([img(), img() * 0.5])
    a, b = apply_shift(name, x), apply_shift(name, x)
    assert np.array_equal(a, b) and a.shape == x.shape
    assert not np.allclose(a, x)
