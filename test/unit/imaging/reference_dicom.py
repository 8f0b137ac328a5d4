"""Reference values for the DICOM loader tests, computed independently with pydicom.

Run with Debian's interpreter (/usr/bin/python3), the one that sees python3-pydicom:
  reference_dicom.py series <dir> <slice index>...   geometry of the sorted stack and the rescaled
                                                     voxels of the given slices (base64 float64)
  reference_dicom.py seg <seg file> <series dir>     per-segment voxel counts and the sorted slice
                                                     index each frame belongs to
  reference_dicom.py files <file>...                 per file: frame size and count, and the plane
                                                     geometry it states (position, orientation,
                                                     spacing, RT dose frame offsets), as pydicom
                                                     reads it
Prints one JSON object.
"""

import base64
import json
import os
import sys

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut


def sorted_series(folder):
    datasets = [pydicom.dcmread(os.path.join(folder, name)) for name in sorted(os.listdir(folder))]
    iop = np.array(datasets[0].ImageOrientationPatient, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    datasets.sort(
        key=lambda d: float(np.dot(np.array(d.ImagePositionPatient, dtype=float), normal))
    )
    return datasets, iop


def series(folder, slices):
    datasets, iop = sorted_series(folder)
    out = {
        "count": len(datasets),
        "rows": int(datasets[0].Rows),
        "columns": int(datasets[0].Columns),
        "modality": str(datasets[0].Modality),
        "iop": [float(v) for v in iop],
        "ippFirst": [float(v) for v in datasets[0].ImagePositionPatient],
        "ippLast": [float(v) for v in datasets[-1].ImagePositionPatient],
        "pixelSpacing": [float(v) for v in datasets[0].PixelSpacing],
        "sopInstanceUids": [str(d.SOPInstanceUID) for d in datasets],
        "slices": {},
    }
    for k in slices:
        values = apply_modality_lut(datasets[k].pixel_array, datasets[k]).astype(np.float64)
        out["slices"][str(k)] = base64.b64encode(values.tobytes()).decode("ascii")
    return out


def seg(seg_path, folder):
    datasets, _ = sorted_series(folder)
    slice_of = {str(d.SOPInstanceUID): k for k, d in enumerate(datasets)}
    ds = pydicom.dcmread(seg_path)
    frames = ds.pixel_array.reshape(int(ds.NumberOfFrames), int(ds.Rows), int(ds.Columns))
    fractional = ds.SegmentationType == "FRACTIONAL"
    threshold = float(ds.MaximumFractionalValue) / 2 if fractional else 0.5
    counts = {str(int(s.SegmentNumber)): 0 for s in ds.SegmentSequence}
    placed = []
    for n, item in enumerate(ds.PerFrameFunctionalGroupsSequence):
        number = int(item.SegmentIdentificationSequence[0].ReferencedSegmentNumber)
        source = item.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
        mask = frames[n] >= threshold
        counts[str(number)] += int(mask.sum())
        placed.append(
            {"segment": number, "slice": slice_of[str(source)], "voxels": int(mask.sum())}
        )
    return {
        "segments": [
            {"number": int(s.SegmentNumber), "label": str(s.SegmentLabel)}
            for s in ds.SegmentSequence
        ],
        "counts": counts,
        "frames": placed,
    }


def floats(value):
    """A DICOM multi-value (DS/FD) as a list of floats, or None when absent or empty."""
    if value is None or value == "":
        return None
    return [float(v) for v in (value if hasattr(value, "__len__") else [value])]


def files(paths):
    """Geometry each file states: dims [columns, rows, frames], origin, row/column directions,
    pixel spacing [row, column] and, for RT dose grids, the frame offsets along the normal."""
    out = {}
    for path in paths:
        ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
        # An invalid NumberOfFrames (badVR.dcm has "1A") counts as one frame, as readers take it.
        frames = str(ds.get("NumberOfFrames", "1") or "1").strip()
        out[os.path.basename(path)] = {
            "dims": [int(ds.Columns), int(ds.Rows), int(frames) if frames.isdigit() else 1],
            "ipp": floats(ds.get("ImagePositionPatient")),
            "iop": floats(ds.get("ImageOrientationPatient")),
            "pixelSpacing": floats(ds.get("PixelSpacing")),
            "gridFrameOffsets": floats(ds.get("GridFrameOffsetVector")),
        }
    return out


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "series":
        result = series(sys.argv[2], [int(v) for v in sys.argv[3:]])
    elif mode == "seg":
        result = seg(sys.argv[2], sys.argv[3])
    elif mode == "files":
        result = files(sys.argv[2:])
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(result))
