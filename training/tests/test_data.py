"""Readers, the MSD/nnU-Net layout, label mapping and the demo split."""

import json

import nibabel as nib
import numpy as np
import pytest

from training.data.demo import DATA_ROOT, SPLITS
from training.data.io import read_volume
from training.data.labels import map_label_table, to_catalogue_name
from training.data.msd import load_msd


def test_label_names_map_to_catalogue() -> None:
    assert to_catalogue_name("Right Kidney") == "kidney_right"
    assert to_catalogue_name("postcava") == "inferior_vena_cava"
    assert to_catalogue_name("gall bladder") == "gallbladder"
    assert to_catalogue_name("Liver") == "liver"
    assert to_catalogue_name("not an organ") is None
    assert map_label_table({"0": "background", "1": "spleen", "2": "rk"}) == {
        1: "spleen",
        2: "kidney_right",
    }


def _write(path, arr, spacing=(1.5, 1.5, 3.0)):
    aff = np.diag(list(spacing) + [1.0])
    nib.save(nib.Nifti1Image(arr, aff), str(path))


@pytest.mark.parametrize("version", [1, 2])
def test_msd_layout(tmp_path, version: int) -> None:
    (tmp_path / "imagesTr").mkdir()
    (tmp_path / "labelsTr").mkdir()
    img = np.random.default_rng(0).integers(-200, 200, (20, 20, 4)).astype(np.int16)
    lab = np.zeros((20, 20, 4), np.uint8)
    lab[5:10, 5:10] = 1
    if version == 1:
        _write(tmp_path / "imagesTr" / "c1.nii.gz", img)
        ds = {
            "modality": {"0": "CT"},
            "labels": {"0": "background", "1": "spleen"},
            "training": [{"image": "./imagesTr/c1.nii.gz", "label": "./labelsTr/c1.nii.gz"}],
        }
    else:
        _write(tmp_path / "imagesTr" / "c1_0000.nii.gz", img)
        ds = {
            "channel_names": {"0": "CT"},
            "labels": {"background": 0, "spleen": 1},
            "file_ending": ".nii.gz",
        }
    _write(tmp_path / "labelsTr" / "c1.nii.gz", lab)
    (tmp_path / "dataset.json").write_text(json.dumps(ds))
    cases = load_msd(str(tmp_path))
    assert len(cases) == 1 and cases[0].labels == {1: "spleen"} and cases[0].modality == "CT"
    v = read_volume(cases[0].image, "CT")
    assert v.array.shape == (20, 20, 4) and v.spacing_mm == (1.5, 1.5, 3.0)


@pytest.mark.skipif(not (DATA_ROOT / "pyradiomics").exists(), reason="shared data absent")
def test_nrrd_reader() -> None:
    v = read_volume(str(DATA_ROOT / "pyradiomics" / "breast1_image.nrrd"), "MR")
    lab = read_volume(str(DATA_ROOT / "pyradiomics" / "breast1_label.nrrd"), "MR")
    assert v.array.shape == (45, 120, 21)
    assert int(lab.array.sum()) == 143
    assert v.spacing_mm[2] == pytest.approx(2.1)


def test_demo_split_blocks_disjoint_with_gaps() -> None:
    zs = {k: {z for lo, hi in r for z in range(lo, hi + 1)} for k, r in SPLITS.items()}
    assert (
        not zs["train"] & zs["test"] and not zs["train"] & zs["val"] and not zs["val"] & zs["test"]
    )
    for z in zs["test"] | zs["val"]:
        assert z - 1 not in zs["train"] and z + 1 not in zs["train"]  # at least a one-slice gap
    test = sorted(zs["test"])
    assert test == list(range(test[0], test[-1] + 1))  # one contiguous block
