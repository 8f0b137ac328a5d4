"""The demo model's data: ``../shared/data/totalsegmentator/example_ct`` and its labels.

Split (blocks in z, 3 mm slices; the BTCV organs lie in z 57..111, the top of the scan):
    test z 88..97 (one contiguous block of 10 slices through the middle of the upper abdomen),
    validation z 104..107, train z 0..85, 100..101 and 110..111; two-slice (6 mm) gaps
    separate every held-out block from training slices.
Labels are TotalSegmentator outputs (``--fast``), not manual ground truth.

``train_planes`` adds coronal and sagittal slices (the CT is 3 mm isotropic, so they are 3 mm
square like the axial ones) drawn from the axial slab z 0..85 only: no voxel of a held-out block
or of its gap ever enters a training slice, whatever the plane.
"""

import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .io import read_volume
from .labels import BTCV_ORGANS, catalogue_by_name, map_label_table
from .preprocess import SliceSet, concat, volume_to_slices

DATA_ROOT = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
TS_DIR = DATA_ROOT / "totalsegmentator"

#: BTCV organs present in example_seg_fast_force_split (esophagus is absent there).
DEMO_CLASSES: Tuple[str, ...] = tuple(o for o in BTCV_ORGANS if o != "esophagus")

SPLITS: Dict[str, List[Tuple[int, int]]] = {
    "train": [(0, 85), (100, 101), (110, 111)],
    "test": [(88, 97)],
    "val": [(104, 107)],
}


#: The axial slab the coronal/sagittal training slices are cut from (below every held-out block).
TRAIN_SLAB: Tuple[int, int] = (0, 85)


def load_demo_split(
    split: str, data_root: Optional[str] = None, planes: Tuple[str, ...] = ("axial",)
) -> SliceSet:
    """Slices of one split (``train``, ``val``, ``test``) as a :class:`SliceSet`.

    ``planes`` other than axial (training only) add every coronal/sagittal slice of
    :data:`TRAIN_SLAB`; held-out splits are axial.
    """
    root = Path(data_root) / "totalsegmentator" if data_root else TS_DIR
    image = read_volume(str(root / "example_ct.nii.gz"), "CT")
    label = read_volume(str(root / "example_seg_fast_force_split.nii.gz"), "CT")
    table = json.loads((root / "labels_total.json").read_text())["labels"]
    names = map_label_table(table)
    ids = {n: int(s["id"]) for n, s in catalogue_by_name().items()}
    zs = [z for lo, hi in SPLITS[split] for z in range(lo, hi + 1)]
    image.meta["dataset"] = "TotalSegmentator example_ct"
    sets = [volume_to_slices(image, label, names, list(DEMO_CLASSES), ids, zs)]
    for plane in planes:
        if plane == "axial":
            continue
        if split != "train":
            raise ValueError(f"{plane} slices exist for the training split only")
        sets.append(
            volume_to_slices(
                image, label, names, list(DEMO_CLASSES), ids, plane=plane, keep=TRAIN_SLAB
            )
        )
    return concat(sets) if len(sets) > 1 else sets[0]
