"""Real-world DICOM variants made from the shared series with pydicom, for realWorldDicom.test.ts.

Run with Debian's interpreter (/usr/bin/python3):
  make_realworld_dicom.py <mr slab dir> <ct dir> <out dir>
Writes the variants under <out dir> and prints one JSON object: per variant its folder and what
pydicom reads there (geometry of the original, decoded patient names).
"""

import copy
import json
import os
import sys

import numpy as np
import pydicom
from pydicom.uid import generate_uid

# Patient names in each character set, as PS3.5 Annex H–K and pydicom's charset tests spell them.
CHARSETS = {
    "japanese_iso2022": (
        ["ISO 2022 IR 13", "ISO 2022 IR 87"],
        "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう",
    ),
    "japanese_jisx0212": (["", "ISO 2022 IR 159"], "Yamada^Tarou=丂丄^丅"),
    "korean_iso2022": (["", "ISO 2022 IR 149"], "Hong^Gildong=洪^吉洞=홍^길동"),
    "chinese_gb18030": (["GB18030"], "Wang^XiaoDong=王^小東="),
    "chinese_gbk": (["GBK"], "Wang^XiaoDong=王^小东="),
    "chinese_iso2022_gb2312": (["", "ISO 2022 IR 58"], "Zhang^XiaoDong=张^小东="),
    "utf8": (["ISO_IR 192"], "Wang^XiaoDong=王^小東="),
    "latin1": (["ISO_IR 100"], "Buc^Jérôme"),
    "latin2": (["ISO_IR 101"], "Wałęsa^Lech"),
    "cyrillic": (["ISO_IR 144"], "Люкceмбypг"),
    "greek": (["ISO_IR 126"], "Διονυσιος"),
    "hebrew": (["ISO_IR 138"], "שרון^דבורה"),
    "arabic": (["ISO_IR 127"], "قباني^لنزار"),
    "thai": (["ISO_IR 166"], "ประเทศไทย^คนไทย"),
    "turkish": (["ISO_IR 148"], "Çavuşoğlu^Şükrü"),
    "greek_iso2022": (["ISO 2022 IR 6", "ISO 2022 IR 126"], "Dionysios=Διονυσιος"),
}


def slab(folder, count):
    names = sorted(os.listdir(folder))[:count]
    return [pydicom.dcmread(os.path.join(folder, n)) for n in names]


def geometry(datasets):
    iop = np.array(datasets[0].ImageOrientationPatient, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    ordered = sorted(
        datasets,
        key=lambda d: float(
            np.dot(np.array(d.ImagePositionPatient, dtype=float), normal)
        ),
    )
    first = np.array(ordered[0].ImagePositionPatient, dtype=float)
    last = np.array(ordered[-1].ImagePositionPatient, dtype=float)
    return {
        "dims": [int(ordered[0].Columns), int(ordered[0].Rows), len(ordered)],
        "originLps": first.tolist(),
        "sliceSpacing": float(np.dot(last - first, normal) / max(1, len(ordered) - 1)),
    }


def write(datasets, folder, names):
    os.makedirs(folder, exist_ok=True)
    for ds, name in zip(datasets, names):
        ds.save_as(os.path.join(folder, name), write_like_original=False)


def main(mr_dir, ct_dir, out):
    result = {}
    original = slab(mr_dir, 8)
    result["original"] = geometry(original)
    odd_names = [
        f"slice {n:02d}, copy é.dcm" if n % 2 else f"Bild_{n}_ü,ß.dcm" for n in range(8)
    ]

    variants = {
        "uids_emptied": lambda ds, n: [
            setattr(ds, k, "")
            for k in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID")
        ],
        "uids_removed": lambda ds, n: [
            delattr(ds, k)
            for k in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID")
        ],
        "uids_regenerated": lambda ds, n: [
            setattr(ds, k, generate_uid())
            for k in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID")
        ],
        "sop_uid_shared": lambda ds, n: setattr(ds, "SOPInstanceUID", "1.2.3.4"),
    }
    for name, change in variants.items():
        datasets = [copy.deepcopy(d) for d in original]
        for n, ds in enumerate(datasets):
            change(ds, n)
            if "SOPInstanceUID" in ds:
                ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID or "1.2"
        # Files arrive in an order unrelated to position.
        order = [3, 0, 6, 1, 7, 2, 5, 4]
        write(
            [datasets[i] for i in order],
            os.path.join(out, name),
            [odd_names[i] for i in order],
        )
        result[name] = {"folder": os.path.join(out, name)}

    # Two series interleaved in one folder, both with blanked UIDs: the MR slab and the CT.
    ct = [pydicom.dcmread(os.path.join(ct_dir, n)) for n in sorted(os.listdir(ct_dir))]
    mixed = os.path.join(out, "interleaved")
    both = []
    for ds in [copy.deepcopy(d) for d in original[:4]] + ct:
        for k in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
            setattr(ds, k, "")
        both.append(ds)
    write(both, mixed, [f"{n % 2}-{n:03d}.dcm" for n in range(len(both))])
    result["interleaved"] = {
        "folder": mixed,
        "mr": geometry(original[:4]),
        "ct": {"dims": [int(ct[0].Columns), int(ct[0].Rows), len(ct)]},
    }

    # One file per character set, PatientName and StudyDescription in it; pydicom decodes them back.
    charsets = {}
    for name, (terms, person) in CHARSETS.items():
        ds = copy.deepcopy(original[0])
        ds.SpecificCharacterSet = terms if len(terms) > 1 else terms[0]
        ds.PatientName = person
        path = os.path.join(out, "charsets", f"{name}.dcm")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        ds.save_as(path, write_like_original=False)
        back = pydicom.dcmread(path)
        groups = person.split("=") + ["", ""]
        charsets[name] = {
            "path": path,
            "terms": terms,
            "alphabetic": groups[0],
            "ideographic": groups[1],
            "phonetic": groups[2],
            # pydicom 2.3 decodes ISO 2022 IR 58 wrongly; the written name is the reference.
            "pydicomReadsBack": back.PatientName.components
            == tuple(g for g in person.split("=")),
        }
    # pydicom 2.3 does not know ISO_IR 203 (Latin-9): its bytes are written here by hand.
    latin9 = "Œuvre^€uro"
    ds = copy.deepcopy(original[0])
    ds.SpecificCharacterSet = "ISO_IR 203"
    ds.PatientName = "X" * len(latin9.encode("iso8859_15"))
    path = os.path.join(out, "charsets", "latin9.dcm")
    ds.save_as(path, write_like_original=False)
    raw = (
        open(path, "rb")
        .read()
        .replace(ds.PatientName.original_string, latin9.encode("iso8859_15"))
    )
    open(path, "wb").write(raw)
    charsets["latin9"] = {
        "path": path,
        "terms": ["ISO_IR 203"],
        "alphabetic": latin9,
        "ideographic": "",
        "phonetic": "",
        "pydicomReadsBack": False,
    }
    result["charsets"] = charsets

    # Bytes no decoder accepts: invalid UTF-8 in the patient name.
    bad = copy.deepcopy(original[0])
    bad.SpecificCharacterSet = "ISO_IR 192"
    bad.PatientName = "Name"
    path = os.path.join(out, "charsets", "invalid_utf8.dcm")
    bad.save_as(path, write_like_original=False)
    raw = bytearray(open(path, "rb").read())
    at = raw.index(b"Name")
    raw[at : at + 4] = b"N\xff\xfee"
    open(path, "wb").write(bytes(raw))
    unknown = copy.deepcopy(original[0])
    unknown.SpecificCharacterSet = "ISO_IR 999"
    unknown_path = os.path.join(out, "charsets", "unknown_charset.dcm")
    unknown.save_as(unknown_path, write_like_original=False)
    result["undecodable"] = {"invalidUtf8": path, "unknownCharset": unknown_path}

    # A three-frame file cut inside its second frame.
    multi = copy.deepcopy(original[0])
    frames = np.stack([d.pixel_array for d in original[:3]])
    multi.NumberOfFrames = 3
    multi.PixelData = frames.astype(np.uint16).tobytes()
    path = os.path.join(out, "truncated_multiframe.dcm")
    multi.save_as(path, write_like_original=False)
    whole = open(path, "rb").read()
    frame_bytes = multi.Rows * multi.Columns * 2
    open(path, "wb").write(whole[: len(whole) - 2 * frame_bytes + 1000])
    result["truncated"] = {"path": path, "frames": 3}

    print(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:4])
