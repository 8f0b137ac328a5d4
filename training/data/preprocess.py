"""Preprocessing shared by training, evaluation and the exported manifest.

1. Reorient to the LPS-aligned grid (see :mod:`training.data.io`).
2. Resample in-plane to ``spacing_mm`` (linear for images, nearest for labels); slices unchanged.
3. Intensity: CT clipped to the window [-160, 240] HU -> [0, 1]; MR: percentiles [0.5, 99.5] of
   the volume -> [0, 1], clipped.
4. Each axial slice centre-padded (with 0) or centre-cropped to S x S; grey replicated to 3
   channels as the encoder input ``image`` [B, 3, S, S].
"""

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy import ndimage

from .io import Volume

CT_WINDOW_HU: Tuple[float, float] = (-160.0, 240.0)
MR_PERCENTILES: Tuple[float, float] = (0.5, 99.5)
SPACING_MM: float = 3.0
INPUT_SIZE: int = 128


def normalise_intensity(arr: np.ndarray, modality: str) -> np.ndarray:
    """Volume -> float32 in [0, 1] (CT window or MR percentiles)."""
    a = arr.astype(np.float32)
    if modality.upper() == "CT":
        lo, hi = CT_WINDOW_HU
    else:
        lo, hi = np.percentile(a, MR_PERCENTILES)
        hi = max(hi, lo + 1e-6)
    return np.clip((a - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


def resample_inplane(
    arr: np.ndarray, spacing: Sequence[float], target: float, order: int
) -> np.ndarray:
    """[X, Y, Z] -> [X', Y', Z] with in-plane spacing ``target`` mm."""
    zx, zy = spacing[0] / target, spacing[1] / target
    if abs(zx - 1) < 1e-3 and abs(zy - 1) < 1e-3:
        return arr
    return ndimage.zoom(arr, (zx, zy, 1.0), order=order, mode="nearest", prefilter=False)


def pad_crop(img: np.ndarray, size: int, fill: float = 0.0) -> np.ndarray:
    """Centre pad/crop a 2D [H, W] array to [size, size]."""
    out = np.full((size, size), fill, dtype=img.dtype)
    h, w = img.shape
    sy, sx = max((h - size) // 2, 0), max((w - size) // 2, 0)
    dy, dx = max((size - h) // 2, 0), max((size - w) // 2, 0)
    ch, cw = min(h, size), min(w, size)
    out[dy : dy + ch, dx : dx + cw] = img[sy : sy + ch, sx : sx + cw]
    return out


@dataclass
class SliceSet:
    """Preprocessed axial slices.

    images [N, S, S] float32 in [0, 1]; classes [N, S, S] uint8 (0 = background, i = class i);
    structures [N, S, S] int16 catalogue ids of every labelled structure (prompt training);
    z [N] slice index in its volume; meta: per-volume description fields.
    """

    images: np.ndarray
    classes: np.ndarray
    structures: np.ndarray
    z: np.ndarray
    meta: List[Dict[str, str]]

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def subset(self, idx: np.ndarray) -> "SliceSet":
        return SliceSet(
            self.images[idx],
            self.classes[idx],
            self.structures[idx],
            self.z[idx],
            [self.meta[i] for i in idx],
        )


def volume_to_slices(
    image: Volume,
    label: Optional[Volume],
    label_names: Dict[int, str],
    class_names: Sequence[str],
    catalogue_ids: Dict[str, int],
    z_indices: Optional[Sequence[int]] = None,
    size: int = INPUT_SIZE,
    spacing_mm: float = SPACING_MM,
) -> SliceSet:
    """Preprocess one volume (+ label map with values ``label_names``) into a :class:`SliceSet`."""
    img = normalise_intensity(image.array, image.modality)
    img = resample_inplane(img, image.spacing_mm, spacing_mm, order=1)
    nz = img.shape[2]
    zs = list(range(nz)) if z_indices is None else [z for z in z_indices if 0 <= z < nz]
    cls_lut = np.zeros(1 << 16, dtype=np.uint8)
    struct_lut = np.zeros(1 << 16, dtype=np.int16)
    for value, name in label_names.items():
        if name in class_names:
            cls_lut[value] = class_names.index(name) + 1
        struct_lut[value] = catalogue_ids.get(name, 0)
    lab = None
    if label is not None:
        lab = resample_inplane(label.array.astype(np.int32), label.spacing_mm, spacing_mm, order=0)
    images, classes, structs, meta = [], [], [], []
    m = dict(image.meta)
    m["modality"] = image.modality
    m["spacing_mm"] = "%.2f x %.2f x %.2f" % tuple(image.spacing_mm)
    for z in zs:
        images.append(pad_crop(img[:, :, z].T, size))
        if lab is not None:
            lz = np.clip(lab[:, :, z].T, 0, (1 << 16) - 1)
            classes.append(pad_crop(cls_lut[lz], size))
            structs.append(pad_crop(struct_lut[lz], size))
        else:
            classes.append(np.zeros((size, size), np.uint8))
            structs.append(np.zeros((size, size), np.int16))
        meta.append(m)
    return SliceSet(
        np.stack(images).astype(np.float32),
        np.stack(classes),
        np.stack(structs),
        np.asarray(zs),
        meta,
    )


def concat(sets: List[SliceSet]) -> SliceSet:
    return SliceSet(
        np.concatenate([s.images for s in sets]),
        np.concatenate([s.classes for s in sets]),
        np.concatenate([s.structures for s in sets]),
        np.concatenate([s.z for s in sets]),
        sum([s.meta for s in sets], []),
    )
