"""nnU-Net / Medical Segmentation Decathlon layout.

``imagesTr/``, ``labelsTr/`` and ``dataset.json`` (MSD / nnU-Net v1 and v2 conventions).
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from .labels import map_label_table


@dataclass
class Case:
    """One training case: image path(s), label path and the label value -> catalogue name map."""

    image: str
    label: Optional[str]
    labels: Dict[int, str]
    modality: str


def _labels_table(ds: dict) -> Dict[str, str]:
    labels = ds.get("labels", {})
    if not labels:
        return {}
    first_key = next(iter(labels))
    if first_key.isdigit():  # MSD / nnU-Net v1: {"1": "spleen"}
        return {k: str(v) for k, v in labels.items()}
    out = {}  # nnU-Net v2: {"spleen": 1} (region lists are not supported)
    for name, value in labels.items():
        if isinstance(value, int):
            out[str(value)] = name
    return out


def _modality(ds: dict) -> str:
    mod = ds.get("modality") or ds.get("channel_names") or {"0": "CT"}
    value = str(next(iter(mod.values()))).upper()
    return "CT" if "CT" in value else "MR"


def load_msd(root: str) -> List[Case]:
    """Cases of an MSD/nnU-Net dataset folder (v1 ``training`` list or v2 file naming)."""
    r = Path(root)
    ds = json.loads((r / "dataset.json").read_text())
    table = map_label_table(_labels_table(ds))
    modality = _modality(ds)
    cases: List[Case] = []
    if ds.get("training"):
        for item in ds["training"]:
            img = str((r / item["image"]).resolve())
            if not Path(img).exists():  # v1 lists "case.nii.gz"; v2 stores "case_0000.nii.gz"
                alt = img.replace(".nii.gz", "_0000.nii.gz")
                img = alt if Path(alt).exists() else img
            lab = item.get("label")
            cases.append(Case(img, str((r / lab).resolve()) if lab else None, table, modality))
        return cases
    ending = ds.get("file_ending", ".nii.gz")
    for lab in sorted((r / "labelsTr").glob("*" + ending)):
        case_id = lab.name[: -len(ending)]
        img = r / "imagesTr" / f"{case_id}_0000{ending}"
        cases.append(Case(str(img), str(lab), table, modality))
    return cases
