"""Volumes for fitting and calibrating the out-of-distribution score (scripts/calibrate-ood.mjs).

Writes NIfTI volumes the app reads like any study, so the score is fitted and calibrated through
the app's own preprocessing:

* ``train.nii.gz``: the demo CT's training slices (``training/data/demo.py``), where the
  embedding statistics are fitted;
* ``val.nii.gz``, ``test.nii.gz``: its validation and test slices, in-distribution references
  (validation calibrates how often a scan like the training one is flagged, test measures it);
* ``shift-<name>-<split>.nii.gz``: those slices under held-out style shifts
  (``training/data/shifts.py``), applied to the CT-windowed image and mapped back to HU, so the
  app's CT window gives back exactly the shifted image;
* ``noise-<seed>.nii.gz``: uniform noise over the CT range.

The brain MR proxy (``../shared/data/niivue/FLAIR.nii.gz``) is read from the shared data as is.
``../shared/data/ukat-mr-kidneys`` is never used here (validation only).

Usage::

    /usr/bin/python3 -m training.ood_proxies --out /tmp/ood-proxies
"""

import argparse
import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import nibabel as nib
import numpy as np

from .data.demo import SPLITS, TS_DIR
from .data.shifts import SHIFTS, apply_shift

#: The shipped model whose CT normalisation the shifted volumes are written for.
DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "causal-sam-demo"
NOISE_SHAPE = (128, 128, 32)
NOISE_HU = (-1024.0, 1500.0)


def _slices(split_names: Sequence[str]) -> List[int]:
    return [z for s in split_names for lo, hi in SPLITS[s] for z in range(lo, hi + 1)]


def _save(data: np.ndarray, affine: np.ndarray, path: Path) -> None:
    """Float HU with the modality in ``descrip``, where the app's NIfTI reader looks for it."""
    img = nib.Nifti1Image(data.astype(np.float32), affine)
    img.header["descrip"] = b"CT"
    nib.save(img, str(path))


# Shift types the thresholds are calibrated on; the others are only evaluated (held-out types).
CALIBRATION_SHIFTS = ("gamma_extreme", "randconv7", "pseudo_mr")


def ct_intensity_range(model_dir: Path, hu: np.ndarray) -> Tuple[float, float]:
    """The HU range the model's CT normalisation maps onto [0, 1]: its manifest's window, or the
    volume's percentiles for a model that normalises CT by percentiles (as it does MR)."""
    manifest = json.loads((model_dir / "manifest.json").read_text())
    ct = manifest["preprocessing"]["intensity"]["CT"]
    if ct["method"] == "window":
        lo, hi = ct["window"]
        return float(lo), float(hi)
    p_lo, p_hi = ct.get("percentiles", (0.5, 99.5))
    return float(np.percentile(hu, p_lo)), float(np.percentile(hu, p_hi))


def write_proxies(
    out: Path, ct_path: Optional[Path] = None, model_dir: Path = DEFAULT_MODEL
) -> Dict[str, object]:
    """Write the volumes into ``out`` and ``out/proxies.json`` describing them; returns it.

    Calibration uses the validation slices (z 104-107) and three shift types on them, a noise
    volume and the brain MR; evaluation uses the test slices (z 88-97), all five shift types on
    them (two never calibrated on) and a second noise volume of another size and seed."""
    out.mkdir(parents=True, exist_ok=True)
    ct = nib.load(str(ct_path or TS_DIR / "example_ct.nii.gz"))
    hu = np.asarray(ct.dataobj, dtype=np.float32)  # [X, Y, Z], Z = axial slices
    affine = ct.affine
    _save(hu[:, :, _slices(["train"])], affine, out / "train.nii.gz")
    lo, hi = ct_intensity_range(model_dir, hu)
    sets: Dict[str, Dict[str, str]] = {"calibration": {}, "evaluation": {}}
    for split, role, shifts in (
        ("val", "calibration", CALIBRATION_SHIFTS),
        ("test", "evaluation", tuple(SHIFTS)),
    ):
        zs = _slices([split])
        _save(hu[:, :, zs], affine, out / f"{split}.nii.gz")
        sets[role]["in distribution: CT " + split] = f"{split}.nii.gz"
        window = np.clip((hu[:, :, zs] - lo) / (hi - lo), 0, 1).transpose(2, 0, 1)  # [N, X, Y]
        for name in shifts:
            shifted = apply_shift(name, window).transpose(1, 2, 0)
            _save(lo + shifted * (hi - lo), affine, out / f"shift-{name}-{split}.nii.gz")
            sets[role][f"style shift: {name} ({split})"] = f"shift-{name}-{split}.nii.gz"
    for role, seed, shape in (("calibration", 0, NOISE_SHAPE), ("evaluation", 1, (160, 140, 24))):
        noise = np.random.default_rng(seed).uniform(*NOISE_HU, size=shape)
        _save(noise, np.diag([2.5, 2.5, 3.0, 1.0]), out / f"noise-{seed}.nii.gz")
        sets[role][f"pure noise (seed {seed})"] = f"noise-{seed}.nii.gz"
    desc = {"fit": "train.nii.gz", **sets}
    (out / "proxies.json").write_text(json.dumps(desc, indent=1) + "\n")
    return desc


def main(argv: Optional[Sequence[str]] = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="folder to write the volumes into")
    p.add_argument(
        "--model", default=str(DEFAULT_MODEL), help="model folder (its CT normalisation)"
    )
    a = p.parse_args(argv)
    desc = write_proxies(Path(a.out), model_dir=Path(a.model))
    print(json.dumps(desc, indent=1))


if __name__ == "__main__":
    main()
