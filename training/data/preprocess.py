"""Preprocessing shared by training, evaluation and the exported manifest.

1. Reorient to the LPS-aligned grid (see :mod:`training.data.io`).
2. Intensity, every modality alike: percentiles [0.5, 99.5] of the whole volume -> [0, 1],
   clipped (no Hounsfield window: a model that reads [0, 1] the same way for CT and MR cannot
   lean on absolute HU values, which MR does not have).
3. Slices along one of the three planes (:data:`PLANES`), each laid out in the canonical
   in-plane orientation of :func:`plane_slice`; the plane's two in-plane axes are resampled to
   ``spacing_mm`` (linear for images, nearest for labels); the through-plane axis is unchanged.
4. Each slice centre-padded (with 0) or centre-cropped to S x S; grey replicated to 3 channels
   as the encoder input ``image`` [B, 3, S, S].
"""

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy import ndimage

from .io import Volume

#: The only intensity normalisation, for every modality (CT included).
PERCENTILES: Tuple[float, float] = (0.5, 99.5)
SPACING_MM: float = 3.0
INPUT_SIZE: int = 128


#: Slicing planes by the LPS grid axis they cut across (their through-plane axis).
PLANES: Dict[str, int] = {"sagittal": 0, "coronal": 1, "axial": 2}


#: A slab: one axis more than this much coarser than both others (the app's ``SLAB_RATIO``).
SLAB_RATIO: float = 1.5


def acquisition_plane(spacing: Sequence[float]) -> str:
    """The plane a volume is segmented in, from its LPS-grid spacing: a slab's acquisition plane
    (across the axis more than :data:`SLAB_RATIO` coarser than both others), else axial (as the
    app's ``chooseSliceAxis`` decides)."""
    order = np.argsort(spacing)[::-1]
    if spacing[order[0]] <= SLAB_RATIO * spacing[order[1]]:
        return "axial"
    return {v: k for k, v in PLANES.items()}[int(order[0])]


def normalise_intensity(arr: np.ndarray, modality: str = "") -> np.ndarray:
    """Volume -> float32 in [0, 1]: percentiles [0.5, 99.5] of all its voxels, clipped.

    The same for every modality (``modality`` is accepted for callers that pass it). Percentiles
    by linear interpolation between order statistics (numpy's default), as the app computes them.
    """
    a = arr.astype(np.float32)
    lo, hi = np.percentile(a, PERCENTILES)
    hi = max(float(hi), float(lo) + 1e-6)
    return np.clip((a - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


def plane_slice(arr: np.ndarray, axis: int, k: int) -> np.ndarray:
    """Slice ``k`` across LPS axis ``axis`` of an [X, Y, Z] array, canonically laid out.

    * axial (axis 2): rows anterior -> posterior, columns patient right -> left;
    * coronal (axis 1): rows superior -> inferior, columns patient right -> left;
    * sagittal (axis 0): rows superior -> inferior, columns anterior -> posterior.
    """
    if axis == 2:
        return arr[:, :, k].T
    if axis == 1:
        return arr[:, k, ::-1].T
    return arr[k, :, ::-1].T


def resample_plane(
    arr: np.ndarray, spacing: Sequence[float], axis: int, target: float, order: int
) -> np.ndarray:
    """Resample the two in-plane axes of the plane across ``axis`` to ``target`` mm."""
    zoom = [spacing[i] / target if i != axis else 1.0 for i in range(3)]
    if all(abs(z - 1) < 1e-3 for z in zoom):
        return arr
    return ndimage.zoom(arr, zoom, order=order, mode="nearest", prefilter=False)


def resample_inplane(
    arr: np.ndarray, spacing: Sequence[float], target: float, order: int
) -> np.ndarray:
    """[X, Y, Z] -> [X', Y', Z] with axial in-plane spacing ``target`` mm."""
    return resample_plane(arr, spacing, 2, target, order)


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
    """Preprocessed slices (any plane).

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
    plane: str = "axial",
    keep: Optional[Tuple[int, int]] = None,
) -> SliceSet:
    """Preprocess one volume (+ label map with values ``label_names``) into a :class:`SliceSet`.

    ``z_indices`` are slice indices across ``plane``; ``keep`` = (lo, hi) restricts the volume to
    axial indices lo..hi (inclusive) before slicing, so coronal/sagittal slices can be drawn from
    the training slab alone (held-out axial blocks never enter them). Intensity percentiles are
    always taken over the whole volume.
    """
    axis = PLANES[plane]
    img = normalise_intensity(image.array, image.modality)
    lab_arr = label.array if label is not None else None
    if keep is not None:
        img = img[:, :, keep[0] : keep[1] + 1]
        lab_arr = lab_arr[:, :, keep[0] : keep[1] + 1] if lab_arr is not None else None
    img = resample_plane(img, image.spacing_mm, axis, spacing_mm, order=1)
    nz = img.shape[axis]
    zs = list(range(nz)) if z_indices is None else [z for z in z_indices if 0 <= z < nz]
    cls_lut = np.zeros(1 << 16, dtype=np.uint8)
    struct_lut = np.zeros(1 << 16, dtype=np.int16)
    for value, name in label_names.items():
        if name in class_names:
            cls_lut[value] = class_names.index(name) + 1
        struct_lut[value] = catalogue_ids.get(name, 0)
    lab = None
    if label is not None and lab_arr is not None:
        lab = resample_plane(lab_arr.astype(np.int32), label.spacing_mm, axis, spacing_mm, order=0)
    images, classes, structs, meta = [], [], [], []
    m = dict(image.meta)
    m["modality"] = image.modality
    m["spacing_mm"] = "%.2f x %.2f x %.2f" % tuple(image.spacing_mm)
    m["plane"] = plane
    for z in zs:
        images.append(pad_crop(plane_slice(img, axis, z), size))
        if lab is not None:
            lz = np.clip(plane_slice(lab, axis, z), 0, (1 << 16) - 1)
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
