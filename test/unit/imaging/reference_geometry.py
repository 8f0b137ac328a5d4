#!/usr/bin/python3
"""Reference geometry and voxel samples for NIfTI and NRRD files, independent of the TypeScript readers.

NIfTI goes through nibabel (Debian's python3-nibabel, hence /usr/bin/python3). Debian has no NRRD
package, so NRRD headers are interpreted here from the format specification.

Usage: reference_geometry.py [--make-fixtures DIR] FILE...
Prints a JSON list, one entry per file (fixtures included), with
  dims, affineLps (3x4: index -> LPS mm), samples [{index, value}].
--make-fixtures DIR writes synthetic files covering what the sample data lacks (qform, big-endian,
scaling, NIfTI-2, 4-D, RAS and detached NRRD, multi-component) and adds them to the list.
"""
import gzip
import json
import os
import sys

import nibabel as nib
import numpy as np

RAS_TO_LPS = np.diag([-1.0, -1.0, 1.0, 1.0])

NRRD_TYPES = {
    "signed char": "i1", "int8": "i1", "int8_t": "i1",
    "uchar": "u1", "unsigned char": "u1", "uint8": "u1", "uint8_t": "u1",
    "short": "i2", "short int": "i2", "signed short": "i2", "signed short int": "i2", "int16": "i2", "int16_t": "i2",
    "ushort": "u2", "unsigned short": "u2", "unsigned short int": "u2", "uint16": "u2", "uint16_t": "u2",
    "int": "i4", "signed int": "i4", "int32": "i4", "int32_t": "i4",
    "uint": "u4", "unsigned int": "u4", "uint32": "u4", "uint32_t": "u4",
    "float": "f4", "double": "f8",
}
NRRD_SPACE_TO_LPS = {
    "left-posterior-superior": [1, 1, 1], "lps": [1, 1, 1],
    "right-anterior-superior": [-1, -1, 1], "ras": [-1, -1, 1],
    "left-anterior-superior": [1, -1, 1], "las": [1, -1, 1],
    "scanner-xyz": [1, 1, 1],
}


def sample_indices(shape):
    """Corners, centre, a fixed pseudo-random spread, and the extremes (often the scaled edge cases)."""
    shape = tuple(shape)
    picks = [tuple(0 if (c >> n) & 1 == 0 else shape[n] - 1 for n in range(3)) for c in range(8)]
    picks.append(tuple(s // 2 for s in shape))
    rng = np.random.RandomState(1234)
    picks += [tuple(int(rng.randint(0, s)) for s in shape) for _ in range(24)]
    return picks


def samples_of(data):
    indices = sample_indices(data.shape)
    indices.append(tuple(int(v) for v in np.unravel_index(int(np.argmin(data)), data.shape)))
    indices.append(tuple(int(v) for v in np.unravel_index(int(np.argmax(data)), data.shape)))
    out = []
    for index in indices:
        value = data[index].item()
        out.append({"index": list(index), "value": None if isinstance(value, float) and np.isnan(value) else value})
    return out


def nifti_reference(path):
    img = nib.load(path)
    shape = img.shape + (1,) * (3 - len(img.shape))
    proxy = img.dataobj
    data = np.asanyarray(proxy[(...,) + (0,) * (len(img.shape) - 3)] if len(img.shape) > 3 else proxy)
    data = data.reshape(shape[:3], order="F")
    affine = RAS_TO_LPS @ img.affine
    return {"dims": list(shape[:3]), "affineLps": affine[:3].tolist(), "samples": samples_of(data)}


def nrrd_header(path):
    with open(path, "rb") as f:
        raw = f.read()
    if not raw.startswith(b"NRRD000"):
        raise ValueError(f"{path}: not NRRD")
    fields = {}
    pos = raw.index(b"\n") + 1
    data_start = None
    while pos < len(raw):
        end = raw.find(b"\n", pos)
        end = len(raw) if end < 0 else end
        line = raw[pos:end].decode("latin1").rstrip("\r")
        pos = end + 1
        if line == "":
            data_start = pos
            break
        if line.startswith("#") or ":=" in line.split(": ")[0]:
            continue
        key, value = line.split(": ", 1)
        fields[key.strip().lower()] = value.strip()
    return raw, fields, data_start


def parse_vec(token):
    return [float(v) for v in token.strip()[1:-1].split(",")]


def nrrd_reference(path):
    raw, fields, data_start = nrrd_header(path)
    sizes = [int(s) for s in fields["sizes"].split()]
    dtype = np.dtype(NRRD_TYPES[fields["type"].lower()])
    if dtype.itemsize > 1:
        dtype = dtype.newbyteorder("<" if fields["endian"] == "little" else ">")
    if "data file" in fields:
        with open(os.path.join(os.path.dirname(path), fields["data file"]), "rb") as f:
            payload = f.read()
    else:
        payload = raw[data_start:]
    for _ in range(int(fields.get("line skip", "0"))):
        payload = payload[payload.index(b"\n") + 1:]
    byte_skip = int(fields.get("byte skip", "0"))
    count = int(np.prod(sizes))
    if fields["encoding"] in ("gzip", "gz"):
        payload = gzip.decompress(payload)[byte_skip:]
    elif byte_skip == -1:
        payload = payload[len(payload) - count * dtype.itemsize:]
    else:
        payload = payload[byte_skip:]
    data = np.frombuffer(payload[: count * dtype.itemsize], dtype=dtype).reshape(sizes, order="F")

    tokens = []
    rest = fields["space directions"]
    while rest.strip():
        rest = rest.strip()
        if rest.startswith("none"):
            tokens.append(None)
            rest = rest[4:]
        else:
            close = rest.index(")")
            tokens.append(parse_vec(rest[: close + 1]))
            rest = rest[close + 1:]
    spatial = [n for n, t in enumerate(tokens) if t is not None]
    data = data[tuple(slice(None) if n in spatial else 0 for n in range(len(sizes)))]
    signs = np.array(NRRD_SPACE_TO_LPS[fields["space"].lower()], dtype=float)
    affine = np.zeros((3, 4))
    for column, axis in enumerate(spatial):
        affine[:, column] = signs * np.array(tokens[axis])
    affine[:, 3] = signs * np.array(parse_vec(fields.get("space origin", "(0,0,0)")))
    return {"dims": [sizes[n] for n in spatial], "affineLps": affine.tolist(), "samples": samples_of(data)}


def rotation(axis, degrees):
    axis = np.asarray(axis, dtype=float) / np.linalg.norm(axis)
    x, y, z = axis
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    return np.array([
        [c + x * x * (1 - c), x * y * (1 - c) - z * s, x * z * (1 - c) + y * s],
        [y * x * (1 - c) + z * s, c + y * y * (1 - c), y * z * (1 - c) - x * s],
        [z * x * (1 - c) - y * s, z * y * (1 - c) + x * s, c + z * z * (1 - c)],
    ])


def affine_of(rot, zooms, origin):
    affine = np.eye(4)
    affine[:3, :3] = rot @ np.diag(zooms)
    affine[:3, 3] = origin
    return affine


def write_nifti_raw(path, header, data):
    """Header and data bytes written by hand, so nibabel's saver cannot rewrite scl_slope/scl_inter."""
    header.set_data_shape(data.shape)
    header.set_data_dtype(data.dtype)
    offset = 352 if isinstance(header, nib.Nifti1Header) and not isinstance(header, nib.Nifti2Header) else 544
    header["vox_offset"] = offset
    blob = header.binaryblock + b"\0" * (offset - len(header.binaryblock))
    blob += np.asarray(data, dtype=data.dtype).tobytes(order="F")
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(blob)


def make_nifti_fixtures(folder):
    rng = np.random.RandomState(7)
    paths = []

    # Big-endian int16, qform only with qfac -1, integral scaling to HU; sform holds junk and code 0.
    header = nib.Nifti1Header(endianness=">")
    data = rng.randint(-300, 2000, size=(17, 13, 9)).astype(">i2")
    header.set_data_shape(data.shape)
    mirror = np.diag([1.0, 1.0, -1.0])
    header.set_qform(affine_of(rotation([1, 2, 3], 25) @ mirror, [0.8, 0.9, 2.5], [-101.5, 37.25, -12.0]), code=1)
    header.set_sform(np.diag([5.0, 5.0, 5.0, 1.0]), code=0)
    header["scl_slope"] = 2
    header["scl_inter"] = -1024
    paths.append(os.path.join(folder, "qform_oblique_be_scaled.nii"))
    write_nifti_raw(paths[-1], header, data)

    # 4-D uint8 with fractional scaling and an oblique, flipped sform; qform deliberately different.
    header = nib.Nifti1Header()
    data = rng.randint(0, 256, size=(11, 8, 6, 2)).astype(np.uint8)
    header.set_data_shape(data.shape)
    header.set_sform(affine_of(rotation([0, 1, 1], -40) @ np.diag([-1.0, 1, 1]), [1.2, 0.7, 3.0], [80, -20, 5.5]), 2)
    header.set_qform(np.eye(4), code=1)
    header["scl_slope"] = 0.5
    header["scl_inter"] = 10.25
    paths.append(os.path.join(folder, "sform_4d_scaled.nii.gz"))
    write_nifti_raw(paths[-1], header, data)

    # NIfTI-2, float64, big-endian, sform.
    header = nib.Nifti2Header(endianness=">")
    data = (rng.normal(size=(7, 9, 5)) * 1000).astype(">f8")
    header.set_data_shape(data.shape)
    header.set_sform(affine_of(rotation([3, -1, 2], 70), [2.0, 2.0, 1.5], [-5.5, 250.0, 99.0]), code=1)
    paths.append(os.path.join(folder, "nifti2_be_float64.nii.gz"))
    write_nifti_raw(paths[-1], header, data)
    return paths


def nrrd_text(fields):
    lines = ["NRRD0005", "# written for reader tests", "spacing key:=not a field"]
    lines += [f"{k}: {v}" for k, v in fields]
    return ("\n".join(lines) + "\n").encode("latin1")


def vec(v):
    return "(" + ",".join(repr(float(x)) for x in v) + ")"


def make_nrrd_fixtures(folder):
    rng = np.random.RandomState(11)
    paths = []

    # RAS space, big-endian ushort, oblique, attached raw.
    columns = rotation([1, -1, 0.5], 33) @ np.diag([0.5, 0.75, 1.25])
    data = rng.randint(0, 65535, size=(6, 7, 5)).astype(">u2")
    header = nrrd_text([
        ("type", "unsigned short"), ("dimension", 3), ("space", "right-anterior-superior"),
        ("sizes", "6 7 5"), ("space directions", " ".join(vec(columns[:, n]) for n in range(3))),
        ("kinds", "domain domain domain"), ("endian", "big"), ("encoding", "raw"),
        ("space origin", vec([12.5, -30.25, 7.0])),
    ])
    paths.append(os.path.join(folder, "ras_oblique_be.nrrd"))
    with open(paths[-1], "wb") as f:
        f.write(header + b"\n" + data.tobytes(order="F"))

    # Detached gzip data with a line to skip before the stream and bytes to skip inside it.
    data = rng.normal(size=(5, 4, 3)).astype("<f4")
    header = nrrd_text([
        ("type", "float"), ("dimension", 3), ("space", "left-posterior-superior"), ("sizes", "5 4 3"),
        ("space directions", "(0,1.5,0) (-2,0,0) (0,0,-3)"), ("endian", "little"), ("encoding", "gzip"),
        ("space origin", "(1,2,3)"), ("line skip", 1), ("byte skip", 6), ("data file", "detached_data.raw.gz"),
    ])
    paths.append(os.path.join(folder, "detached_gzip.nhdr"))
    with open(paths[-1], "wb") as f:
        f.write(header)
    with open(os.path.join(folder, "detached_data.raw.gz"), "wb") as f:
        f.write(b"skipped line\n" + gzip.compress(b"\xAA" * 6 + data.tobytes(order="F")))

    # Three-component vectors on the first axis, LAS space, gzip attached.
    data = rng.randint(-1000, 1000, size=(3, 4, 5, 6)).astype("<i2")
    header = nrrd_text([
        ("type", "short"), ("dimension", 4), ("space", "left-anterior-superior"), ("sizes", "3 4 5 6"),
        ("space directions", "none (0.9,0,0) (0,0,1.1) (0,-1.3,0)"), ("kinds", "vector domain domain domain"),
        ("endian", "little"), ("encoding", "gzip"), ("space origin", "(-4,5,-6)"),
    ])
    paths.append(os.path.join(folder, "vector_las.nrrd"))
    with open(paths[-1], "wb") as f:
        f.write(header + b"\n" + gzip.compress(data.tobytes(order="F")))
    return paths


def reference(path):
    lower = path.lower()
    if lower.endswith((".nrrd", ".nhdr")):
        return {"path": path, "format": "nrrd", **nrrd_reference(path)}
    return {"path": path, "format": "nifti", **nifti_reference(path)}


def main(argv):
    files = []
    if argv[:1] == ["--make-fixtures"]:
        folder = argv[1]
        files += make_nifti_fixtures(folder) + make_nrrd_fixtures(folder)
        argv = argv[2:]
    files = argv + files
    print(json.dumps([reference(p) for p in files]))


if __name__ == "__main__":
    main(sys.argv[1:])
