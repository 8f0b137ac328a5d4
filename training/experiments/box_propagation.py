"""A box on one slice of a structure the model never learnt, propagated through the volume.

Runs ``causal-sam segment <image> --box ... --slice k --propagate`` (the CLI a reader's prompt tool
uses) for structures outside the demo model's 12 classes, with the box drawn one voxel outside the
reference on the slice where the structure is largest, and scores the 3-D mask against the
reference. Two splits, fixed before any rule was tried: ``dev`` (the rules were developed against
these) and ``held`` (run once per rule, never tuned to). ``brain`` is the niivue FLAIR's hand
drawing (its two largest connected pieces; not expert truth). CT references are TotalSegmentator's
outputs (``example_seg_fast_force_split``), not manual truth. Writes
``training/results/box_propagation.{json,md}``.

Usage::

    /usr/bin/python3 -m training.experiments.box_propagation --cli bin/causal-sam.mjs --tag new
"""

import argparse
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import nibabel as nib
import numpy as np
from scipy import ndimage as ndi

from ..data.demo import DATA_ROOT

CT = DATA_ROOT / "totalsegmentator" / "example_ct.nii.gz"
SEG = DATA_ROOT / "totalsegmentator" / "example_seg_fast_force_split.nii.gz"
FLAIR = DATA_ROOT / "niivue" / "FLAIR.nii.gz"
FLAIR_DRAWING = DATA_ROOT / "niivue" / "lesion.nii.gz"
# TotalSegmentator ids of structures the demo model was never trained on.
SPLITS: Dict[str, List[Tuple[str, int]]] = {
    "dev": [
        ("urinary_bladder", 21),
        ("vertebrae_L3", 29),
        ("femur_left", 75),
        ("iliopsoas_left", 88),
        ("gluteus_maximus_right", 81),
    ],
    "held": [
        ("vertebrae_L1", 31),
        ("femur_right", 76),
        ("iliopsoas_right", 89),
        ("gluteus_medius_left", 82),
        ("autochthon_left", 86),
        ("sacrum", 25),
    ],
}
RESULTS = Path(__file__).resolve().parents[1] / "results"


def dice(a: np.ndarray, b: np.ndarray) -> float:
    """Dice of two boolean volumes of the same shape."""
    total = a.sum() + b.sum()
    return float(2 * (a & b).sum() / total) if total else 1.0


def prompt_case(cli: str, image: Path, reference: np.ndarray, extra: Sequence[str]) -> Dict:
    """One case: box around ``reference`` [X, Y, Z] on its largest axial slice, propagated.

    Returns Dice of the propagated mask and of the filled box alone, and the slice ranges.
    """
    area = reference.sum(axis=(0, 1))
    k = int(area.argmax())
    ii, jj = np.nonzero(reference[:, :, k])
    box = [max(ii.min() - 1, 0), max(jj.min() - 1, 0), ii.max() + 1, jj.max() + 1]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "mask.nii.gz"
        cmd = ["node", cli, "segment", str(image), "--box", ",".join(map(str, box))]
        cmd += ["--slice", str(k), "--propagate", "--out", str(out), *extra]
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        mask = np.asarray(nib.load(str(out)).dataobj) > 0
    filled = np.zeros_like(reference)
    filled[box[0] : box[2] + 1, box[1] : box[3] + 1, k] = True
    drawn = np.nonzero(mask.sum(axis=(0, 1)))[0]
    truth = np.nonzero(area)[0]
    return {
        "dice": round(dice(mask, reference), 3),
        "filled_box_dice": round(dice(filled, reference), 3),
        "slices_drawn": [int(drawn.min()), int(drawn.max())] if drawn.size else None,
        "slices_reference": [int(truth.min()), int(truth.max())],
        "voxels": [int(mask.sum()), int(reference.sum())],
    }


def brain_pieces() -> List[Tuple[str, np.ndarray]]:
    """The FLAIR drawing's two largest connected pieces [X, Y, Z] as separate references."""
    drawing = np.asarray(nib.load(str(FLAIR_DRAWING)).dataobj) > 0
    labels, n = ndi.label(drawing)
    sizes = ndi.sum(drawing, labels, range(1, n + 1))
    order = np.argsort(sizes)[::-1][:2]
    return [(f"flair_piece_{r + 1}", labels == i + 1) for r, i in enumerate(order)]


def run(cli: str, splits: Sequence[str]) -> Dict[str, Dict[str, Dict]]:
    """Every case of the named splits ("dev", "held", "brain")."""
    results: Dict[str, Dict[str, Dict]] = {}
    seg: Optional[np.ndarray] = None
    for split in splits:
        results[split] = {}
        if split == "brain":
            for name, ref in brain_pieces():
                results[split][name] = prompt_case(cli, FLAIR, ref, ["--modality", "MR"])
            continue
        if seg is None:
            seg = np.asarray(nib.load(str(SEG)).dataobj)
        for name, value in SPLITS[split]:
            results[split][name] = prompt_case(cli, CT, seg == value, [])
    return results


def main(argv: Optional[Sequence[str]] = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--cli", default="bin/causal-sam.mjs")
    p.add_argument("--tag", required=True, help="name of this rule in the results file")
    p.add_argument("--splits", default="dev,held,brain")
    a = p.parse_args(argv)
    path = RESULTS / "box_propagation.json"
    table = json.loads(path.read_text()) if path.exists() else {}
    table[a.tag] = run(a.cli, a.splits.split(","))
    path.write_text(json.dumps(table, indent=1) + "\n")
    lines = ["| rule | split | case | Dice | filled box | slices drawn / reference |"]
    lines.append("|---|---|---|---|---|---|")
    for tag, splits in table.items():
        for split, cases in splits.items():
            for name, r in cases.items():
                lines.append(
                    f"| {tag} | {split} | {name} | {r['dice']:.3f} | {r['filled_box_dice']:.3f} "
                    f"| {r['slices_drawn']} / {r['slices_reference']} |"
                )
            mean = np.mean([r["dice"] for r in cases.values()])
            lines.append(f"| {tag} | {split} | **mean** | **{mean:.3f}** | | |")
    (RESULTS / "box_propagation.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
