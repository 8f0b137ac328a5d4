"""Real-MR validation: kidney Dice on ``../shared/data/ukat-mr-kidneys`` (coronal MR, 3 T).

Two volumes (Philips Ingenia 3 T, Siemens Prisma 3 T; first-echo magnitude of breath-hold B0
maps, 128 x 128 x 9 coronal slabs of 3 x 3 mm, 5.5 mm apart) with left/right kidney ROIs, from
UKRIN-MAPS/ukat (GPL-3.0; see ``../shared/data/SOURCES.md``). **Validation and model selection
only**: nothing is trained or fitted on them.

Each volume goes through the same preprocessing as the app's: percentiles of the whole volume,
slices along the acquisition (through-plane) axis in the canonical in-plane orientation of
:func:`training.data.preprocess.plane_slice`, so a coronal volume is segmented coronally. Dice
is 3D over the slab per kidney (``_roi-R`` = patient right = ``kidney_right``); other organs
the model may find are not scored (no reference for them).

Usage::

    /usr/bin/python3 -m training.evaluate_mr --ckpt training/runs/dg_a/final.pt
"""

import argparse
import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .data.demo import DATA_ROOT, DEMO_CLASSES
from .data.io import Volume, read_volume
from .data.preprocess import PLANES, SliceSet, acquisition_plane, volume_to_slices
from .metrics import per_class_scores

UKAT_DIR = DATA_ROOT / "ukat-mr-kidneys"
KIDNEYS: Tuple[str, str] = ("kidney_right", "kidney_left")


def ukat_cases(root: Optional[Path] = None) -> List[Tuple[str, Path, Path, Path]]:
    """(case name, image, right-kidney ROI, left-kidney ROI) for every case folder."""
    base = root or UKAT_DIR
    out = []
    for d in sorted(p for p in base.iterdir() if p.is_dir()):
        rois = {p.name: p for p in d.glob("*_roi-*.nii.gz")}
        imgs = [p for p in d.glob("*.nii.gz") if "_roi-" not in p.name]
        right = [p for n, p in rois.items() if n.endswith("_roi-R.nii.gz")]
        left = [p for n, p in rois.items() if n.endswith("_roi-L.nii.gz")]
        if len(imgs) != 1 or len(right) != 1 or len(left) != 1:
            raise ValueError(f"{d}: expected one image and _roi-R/_roi-L masks")
        out.append((d.name, imgs[0], right[0], left[0]))
    if not out:
        raise FileNotFoundError(f"{base}: no ukat cases (see ../shared/data/SOURCES.md)")
    return out


def case_slices(image: Path, right: Path, left: Path) -> Tuple[SliceSet, str, float]:
    """One case as model-ready slices along its acquisition plane (+ plane, slice spacing)."""
    img = read_volume(str(image), "MR")
    r, lft = read_volume(str(right), "MR"), read_volume(str(left), "MR")
    lab = np.zeros(img.array.shape, np.int32)
    lab[r.array > 0.5] = 1
    lab[lft.array > 0.5] = 2
    plane = acquisition_plane(img.spacing_mm)
    img.meta["dataset"] = "ukat-mr-kidneys"
    s = volume_to_slices(
        img,
        Volume(lab, img.spacing_mm, "MR"),
        {1: "kidney_right", 2: "kidney_left"},
        list(DEMO_CLASSES),
        {},
        plane=plane,
    )
    return s, plane, float(img.spacing_mm[PLANES[plane]])


@torch.no_grad()
def evaluate_ukat(model, root: Optional[Path] = None) -> Dict[str, object]:
    """{cases: {name: {plane, kidney_right: {dice, hd95_mm}, ...}}, mean_kidney_dice}."""
    from .evaluate import predict

    cases: Dict[str, Dict[str, object]] = {}
    dices: List[float] = []
    for name, image, right, left in ukat_cases(root):
        s, plane, dz = case_slices(image, right, left)
        pred = predict(model, s.images)
        scores = per_class_scores(pred, s.classes, list(DEMO_CLASSES), (dz, 3.0, 3.0))
        row: Dict[str, object] = {"plane": plane, "slices": len(s)}
        for k in KIDNEYS:
            row[k] = scores.get(k, {"dice": float("nan"), "hd95_mm": float("nan")})
            dices.append(float(row[k]["dice"]))  # type: ignore[index]
        row["predicted_voxels"] = {
            n: int((pred == i).sum()) for i, n in enumerate(DEMO_CLASSES, start=1)
        }
        cases[name] = row
    return {
        "note": "ukat-mr-kidneys (UKRIN-MAPS/ukat): validation only, never trained on",
        "cases": cases,
        "mean_kidney_dice": float(np.mean(dices)),
    }


def main(argv: Optional[Sequence[str]] = None) -> None:
    from .evaluate import load_model

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--ckpt", required=True)
    p.add_argument("--out", default=None)
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    res = evaluate_ukat(load_model(a.ckpt))
    text = json.dumps(res, indent=1)
    if a.out:
        Path(a.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
