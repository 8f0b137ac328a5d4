"""Volume readers: NIfTI (nibabel), NRRD (built-in reader), DICOM series (pydicom).

Every reader returns a :class:`Volume` whose array is indexed [x, y, z] on an LPS-aligned grid
(index i grows toward patient Left, j toward Posterior, k toward Superior), with spacing in mm.
Axial slices are then ``array[:, :, k].T``: rows anterior -> posterior, columns patient right ->
left (the radiological display convention).
"""

import gzip
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np


@dataclass
class Volume:
    """A 3D image or label map on an LPS-aligned grid."""

    array: np.ndarray  # [X, Y, Z]
    spacing_mm: Tuple[float, float, float]
    modality: str = "CT"
    meta: Dict[str, str] = field(default_factory=dict)

    def axial(self, k: int) -> np.ndarray:
        """Axial slice k as [rows=Y (A->P), cols=X (R->L)]."""
        return self.array[:, :, k].T


def _reorient_to_lps(data: np.ndarray, affine: np.ndarray) -> Tuple[np.ndarray, Tuple[float, ...]]:
    """Permute/flip a volume with a (near-)axis-aligned RAS affine onto an LPS-aligned grid."""
    import nibabel as nib

    ornt = nib.orientations.io_orientation(affine)
    target = nib.orientations.axcodes2ornt(("L", "P", "S"))
    transform = nib.orientations.ornt_transform(ornt, target)
    out = nib.orientations.apply_orientation(data, transform)
    zooms = np.sqrt((affine[:3, :3] ** 2).sum(0))
    sp = [0.0, 0.0, 0.0]  # input axis i becomes output axis transform[i, 0]
    for i in range(3):
        sp[int(transform[i, 0])] = float(zooms[i])
    return np.ascontiguousarray(out), tuple(sp)  # type: ignore[return-value]


def read_nifti(path: str, modality: str = "CT") -> Volume:
    """Read a NIfTI file (any axis-aligned orientation)."""
    import nibabel as nib

    img = nib.load(path)
    data = np.asarray(img.dataobj)
    if data.ndim == 4:
        data = data[..., 0]
    arr, sp = _reorient_to_lps(data, img.affine)
    return Volume(arr, sp, modality, {"source": Path(path).name, "format": "NIfTI"})


_NRRD_TYPES = {
    "uchar": np.uint8,
    "unsigned char": np.uint8,
    "uint8": np.uint8,
    "signed char": np.int8,
    "int8": np.int8,
    "short": np.int16,
    "int16": np.int16,
    "signed short": np.int16,
    "ushort": np.uint16,
    "unsigned short": np.uint16,
    "uint16": np.uint16,
    "int": np.int32,
    "int32": np.int32,
    "signed int": np.int32,
    "uint": np.uint32,
    "unsigned int": np.uint32,
    "uint32": np.uint32,
    "float": np.float32,
    "double": np.float64,
}


def read_nrrd(path: str, modality: str = "MR") -> Volume:
    """Read a 3D NRRD (raw or gzip encoding, attached data) into an LPS-aligned volume."""
    raw = Path(path).read_bytes()
    end = raw.index(b"\n\n")
    header_lines = raw[:end].decode("latin-1").splitlines()
    body = raw[end + 2 :]
    fields: Dict[str, str] = {}
    for line in header_lines[1:]:
        if line.startswith("#") or ":" not in line:
            continue
        key, _, value = line.partition(":")
        fields[key.strip().lower()] = value.lstrip("=").strip()
    sizes = [int(s) for s in fields["sizes"].split()]
    dtype = np.dtype(_NRRD_TYPES[fields["type"].lower()])
    if fields.get("endian", "little") == "big":
        dtype = dtype.newbyteorder(">")
    enc = fields.get("encoding", "raw").lower()
    if enc in ("gzip", "gz"):
        try:
            body = gzip.decompress(body)
        except OSError:
            body = zlib.decompress(body)
    elif enc != "raw":
        raise ValueError(f"unsupported NRRD encoding {enc}")
    data = np.frombuffer(body, dtype=dtype, count=int(np.prod(sizes))).reshape(sizes[::-1]).T
    dirs = np.eye(3)
    if "space directions" in fields:
        vecs = [v for v in fields["space directions"].split() if v != "none"]
        dirs = np.array([[float(x) for x in v.strip("()").split(",")] for v in vecs]).T
    space = fields.get("space", "left-posterior-superior").lower()
    affine = np.eye(4)
    affine[:3, :3] = dirs
    if space in ("left-posterior-superior", "lps"):
        affine[:2] *= -1  # LPS -> RAS for nibabel's orientation helpers
    arr, sp = _reorient_to_lps(np.asarray(data), affine)
    return Volume(arr, sp, modality, {"source": Path(path).name, "format": "NRRD"})


DICOM_STYLE_FIELDS = (
    "Modality",
    "Manufacturer",
    "ManufacturerModelName",
    "MagneticFieldStrength",
    "SequenceName",
    "SeriesDescription",
    "ConvolutionKernel",
    "KVP",
    "SliceThickness",
)


def read_dicom_series(folder: str) -> Volume:
    """Read a single-frame DICOM series (axial) sorted by position; keeps acquisition fields."""
    import pydicom

    files = sorted(Path(folder).glob("*.dcm"))
    dsets = [pydicom.dcmread(str(f)) for f in files]
    dsets.sort(key=lambda d: float(d.ImagePositionPatient[2]))
    first = dsets[0]
    slope = float(getattr(first, "RescaleSlope", 1.0))
    inter = float(getattr(first, "RescaleIntercept", 0.0))
    stack = np.stack([d.pixel_array.astype(np.float32) * slope + inter for d in dsets], -1)
    # pixel_array is [rows (j), cols (i)]: transpose to [i, j, k].
    arr = np.transpose(stack, (1, 0, 2))
    row_cos = np.array(first.ImageOrientationPatient[:3], dtype=float)
    col_cos = np.array(first.ImageOrientationPatient[3:], dtype=float)
    ps = [float(x) for x in first.PixelSpacing]
    dz = (
        abs(float(dsets[1].ImagePositionPatient[2]) - float(first.ImagePositionPatient[2]))
        if len(dsets) > 1
        else float(getattr(first, "SliceThickness", 1.0))
    )
    affine = np.eye(4)
    affine[:3, 0] = row_cos * ps[1]
    affine[:3, 1] = col_cos * ps[0]
    affine[:3, 2] = np.cross(row_cos, col_cos) * dz
    affine[:2] *= -1  # LPS -> RAS
    out, sp = _reorient_to_lps(arr, affine)
    meta = {"format": "DICOM"}
    for f in DICOM_STYLE_FIELDS:
        if hasattr(first, f):
            meta[f] = str(getattr(first, f))
    return Volume(out, sp, str(getattr(first, "Modality", "MR")), meta)


def read_volume(path: str, modality: Optional[str] = None) -> Volume:
    """Read NIfTI (.nii/.nii.gz), NRRD (.nrrd) or a DICOM folder."""
    p = Path(path)
    if p.is_dir():
        return read_dicom_series(path)
    name = p.name.lower()
    if name.endswith(".nrrd"):
        return read_nrrd(path, modality or "MR")
    if name.endswith(".nii") or name.endswith(".nii.gz"):
        return read_nifti(path, modality or "CT")
    raise ValueError(f"unsupported file {path}")


def list_files(folder: str, suffixes: List[str]) -> List[str]:
    """Files in ``folder`` whose names end with one of ``suffixes``, sorted."""
    return sorted(
        str(p) for p in Path(folder).iterdir() if any(p.name.endswith(s) for s in suffixes)
    )
