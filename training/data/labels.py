"""Label names -> the workstation's anatomy catalogue (TotalSegmentator snake_case names)."""

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

REPO_ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_PATH = REPO_ROOT / "src" / "shared" / "anatomy.json"

#: BTCV's 13 organs, in catalogue names.
BTCV_ORGANS: Tuple[str, ...] = (
    "spleen",
    "kidney_right",
    "kidney_left",
    "gallbladder",
    "esophagus",
    "liver",
    "stomach",
    "aorta",
    "inferior_vena_cava",
    "portal_vein_and_splenic_vein",
    "pancreas",
    "adrenal_gland_right",
    "adrenal_gland_left",
)

#: Names used by public datasets (BTCV, AMOS, CHAOS, MSD, BraTS) that the catalogue lacks.
EXTRA_ALIASES: Dict[str, str] = {
    "rk": "kidney_right",
    "lk": "kidney_left",
    "right_kidney": "kidney_right",
    "left_kidney": "kidney_left",
    "kidney_r": "kidney_right",
    "kidney_l": "kidney_left",
    "gall_bladder": "gallbladder",
    "ivc": "inferior_vena_cava",
    "postcava": "inferior_vena_cava",
    "inferior_vena_cava_ivc": "inferior_vena_cava",
    "portal_vein_splenic_vein": "portal_vein_and_splenic_vein",
    "portal_and_splenic_vein": "portal_vein_and_splenic_vein",
    "right_adrenal_gland": "adrenal_gland_right",
    "left_adrenal_gland": "adrenal_gland_left",
    "adrenal_gland_r": "adrenal_gland_right",
    "adrenal_gland_l": "adrenal_gland_left",
    "bladder": "urinary_bladder",
    "prostate_uterus": "prostate",
    "esophagus_": "esophagus",
}


def normalise(name: str) -> str:
    """'Right Kidney' -> 'right_kidney'."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


@lru_cache(maxsize=1)
def catalogue() -> List[dict]:
    """The structures of ``src/shared/anatomy.json`` (id, name, colorRgb, synonyms, snomed)."""
    with open(CATALOGUE_PATH) as f:
        return list(json.load(f)["structures"])


def catalogue_by_name() -> Dict[str, dict]:
    return {s["name"]: s for s in catalogue()}


def to_catalogue_name(name: str) -> Optional[str]:
    """Map a dataset label name to a catalogue name (None when unknown)."""
    n = normalise(name)
    by_name = catalogue_by_name()
    if n in by_name:
        return n
    if n in EXTRA_ALIASES:
        return EXTRA_ALIASES[n]
    for s in catalogue():
        if n in {normalise(x) for x in s.get("synonyms", [])}:
            return str(s["name"])
    return None


def map_label_table(labels: Mapping[str, str]) -> Dict[int, str]:
    """Dataset ``{value: name}`` -> ``{value: catalogue name}`` (unknown names dropped)."""
    out: Dict[int, str] = {}
    for value, name in labels.items():
        if int(value) == 0:
            continue
        mapped = to_catalogue_name(name)
        if mapped is not None:
            out[int(value)] = mapped
    return out


def class_table(names: List[str]) -> List[dict]:
    """Manifest classes: index 0 background, then ``names`` with catalogue colours and ids."""
    by_name = catalogue_by_name()
    out = [{"index": 0, "name": "background", "colorRgb": [0, 0, 0]}]
    for i, n in enumerate(names, start=1):
        s = by_name[n]
        out.append({"index": i, "name": n, "catalogueId": s["id"], "colorRgb": s["colorRgb"]})
    return out
