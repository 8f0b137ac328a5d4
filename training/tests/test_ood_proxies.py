"""Volumes for the out-of-distribution calibration (training/ood_proxies.py): calibration and
evaluation use disjoint slices of the demo CT, shifted slices come back exactly through the CT
window, and no MR validation volume is written."""

import json

import nibabel as nib
import numpy as np
import pytest

from training.data.demo import TS_DIR
from training.data.shifts import apply_shift
from training.ood_proxies import (
    CALIBRATION_SHIFTS,
    DEFAULT_MODEL,
    ct_intensity_range,
    write_proxies,
)

pytestmark = pytest.mark.skipif(
    not (TS_DIR / "example_ct.nii.gz").exists(), reason="demo CT missing (../shared/data)"
)


def test_proxies(tmp_path) -> None:
    desc = write_proxies(tmp_path)
    assert json.loads((tmp_path / "proxies.json").read_text()) == desc
    files = set(desc["calibration"].values()) | set(desc["evaluation"].values()) | {desc["fit"]}
    assert all((tmp_path / f).exists() for f in files)
    assert not any("ukat" in f for f in files)
    # Held-out shift types: calibrated on three, evaluated on all five.
    assert sum("style shift" in k for k in desc["calibration"]) == len(CALIBRATION_SHIFTS)
    assert sum("style shift" in k for k in desc["evaluation"]) == 5
    ct = np.asarray(nib.load(str(TS_DIR / "example_ct.nii.gz")).dataobj, dtype=np.float32)
    train = np.asarray(nib.load(str(tmp_path / "train.nii.gz")).dataobj)
    val = np.asarray(nib.load(str(tmp_path / "val.nii.gz")).dataobj)
    test = np.asarray(nib.load(str(tmp_path / "test.nii.gz")).dataobj)
    assert train.shape[2] + val.shape[2] + test.shape[2] < ct.shape[2]
    np.testing.assert_array_equal(test, ct[:, :, 88:98])
    np.testing.assert_array_equal(val, ct[:, :, 104:108])
    # The shipped model's CT window maps the shifted HU back to exactly the shifted image.
    lo, hi = ct_intensity_range(DEFAULT_MODEL, ct)
    assert (lo, hi) == (-160.0, 240.0)
    shifted = np.asarray(nib.load(str(tmp_path / "shift-sinusoid-test.nii.gz")).dataobj)
    window = np.clip((test - lo) / (hi - lo), 0, 1).transpose(2, 0, 1)
    expected = apply_shift("sinusoid", window).transpose(1, 2, 0)
    np.testing.assert_allclose((shifted - lo) / (hi - lo), expected, atol=1e-5)
    assert nib.load(str(tmp_path / "noise-0.nii.gz")).header["descrip"].tobytes().startswith(b"CT")
