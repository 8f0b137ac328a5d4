#!/usr/bin/python3
"""Reference Euclidean distance transforms and segmentation metrics, independent of the TypeScript.

Runs under /usr/bin/python3: only that interpreter sees Debian's python3-numpy, -scipy and -nibabel.
Volumes cross as raw bytes in VolumeGeometry order (i fastest), i.e. numpy order='F', or as NIfTI.

Conventions, as in src/main/services/metrics/index.ts:
  surface   mask & ~binary_erosion(mask, 6-connected structure, border_value=0): a mask voxel with a
            face neighbour outside the mask or outside the volume (medpy's and MONAI's definition).
  distances for each surface voxel of one mask, scipy's distance_transform_edt(~other_surface,
            sampling=spacing) there; the union (concatenation) of both directions.
  hd95      numpy.percentile(union, 95, method='linear'); assd = mean of the union.
  empty     both empty: dice 1, distances 0; one empty: dice 0, distances inf (JSON null).

Usage:
  reference_metrics.py edt CASES.json
      CASES: [{"mask": raw uint8 path, "dims": [nx, ny, nz], "spacing": [sx, sy, sz], "out": path}]
      Writes distance_transform_edt(~mask, sampling=spacing) as raw float64 to each "out" and
      prints the seconds each case took as a JSON list.
  reference_metrics.py perturb IN.nii.gz OUT.nii.gz
      Writes a perturbed copy of a label map (shifted, eroded, dilated, one label dropped, one
      added; see perturb()) with the same header and prints what was done as JSON.
  reference_metrics.py compare CASES.json
      CASES: [{"predNifti": path, "refNifti": path}] or
             [{"pred": raw path, "ref": raw path, "dtype": "uint8", "dims": [...], "spacing": [...]}]
      Prints, per case, {"dims", "spacing", "labels": [{label, dice, hd95Mm, assdMm, predVoxels,
      refVoxels}]} for every non-zero label present in either map.
"""
import json
import sys
import time

import nibabel as nib
import numpy as np
from scipy import ndimage

SIX_CONNECTED = ndimage.generate_binary_structure(3, 1)


def read_raw(path, dtype, dims):
    return np.fromfile(path, dtype=dtype).reshape(dims, order="F")


def surface(mask):
    return mask & ~ndimage.binary_erosion(mask, structure=SIX_CONNECTED, border_value=0)


def compare_masks(pred, ref, spacing):
    pred_voxels = int(pred.sum())
    ref_voxels = int(ref.sum())
    if pred_voxels == 0 or ref_voxels == 0:
        both = pred_voxels == 0 and ref_voxels == 0
        dice, hd95, assd = (1.0, 0.0, 0.0) if both else (0.0, None, None)
    else:
        dice = 2.0 * int((pred & ref).sum()) / (pred_voxels + ref_voxels)
        pred_surface = surface(pred)
        ref_surface = surface(ref)
        to_ref = ndimage.distance_transform_edt(~ref_surface, sampling=spacing)
        to_pred = ndimage.distance_transform_edt(~pred_surface, sampling=spacing)
        distances = np.concatenate([to_ref[pred_surface], to_pred[ref_surface]])
        hd95 = float(np.percentile(distances, 95, method="linear"))
        assd = float(distances.mean())
    return {"dice": dice, "hd95Mm": hd95, "assdMm": assd, "predVoxels": pred_voxels, "refVoxels": ref_voxels}


def compare_label_maps(pred, ref, spacing):
    labels = sorted((set(np.unique(pred).tolist()) | set(np.unique(ref).tolist())) - {0})
    return [{"label": int(label), **compare_masks(pred == label, ref == label, spacing)} for label in labels]


def load_case(case):
    if "predNifti" in case:
        pred_image = nib.load(case["predNifti"])
        ref_image = nib.load(case["refNifti"])
        pred = np.asanyarray(pred_image.dataobj)
        ref = np.asanyarray(ref_image.dataobj)
        spacing = [float(z) for z in pred_image.header.get_zooms()[:3]]
        ref_spacing = [float(z) for z in ref_image.header.get_zooms()[:3]]
        if pred.shape != ref.shape or not np.allclose(spacing, ref_spacing):
            raise SystemExit("pred and ref are on different grids")
        return pred, ref, spacing
    dims = case["dims"]
    return read_raw(case["pred"], case["dtype"], dims), read_raw(case["ref"], case["dtype"], dims), case["spacing"]


def command_compare(cases_path):
    with open(cases_path) as f:
        cases = json.load(f)
    results = []
    for case in cases:
        pred, ref, spacing = load_case(case)
        results.append({"dims": list(pred.shape), "spacing": spacing, "labels": compare_label_maps(pred, ref, spacing)})
    print(json.dumps(results))


def command_edt(cases_path):
    with open(cases_path) as f:
        cases = json.load(f)
    seconds = []
    for case in cases:
        mask = read_raw(case["mask"], np.uint8, case["dims"]) != 0
        start = time.perf_counter()
        distances = ndimage.distance_transform_edt(~mask, sampling=case["spacing"])
        seconds.append(time.perf_counter() - start)
        np.asarray(distances, dtype=np.float64).ravel(order="F").tofile(case["out"])
    print(json.dumps(seconds))


def perturb(seg):
    """Label-map edits that exercise every branch of the metrics, chosen from the data so that they
    stay meaningful for any label map with a handful of labels."""
    labels, counts = np.unique(seg[seg != 0], return_counts=True)
    order = np.argsort(counts)
    largest = int(labels[order[-1]])
    second = int(labels[order[-2]])
    smallest = int(labels[order[0]])
    out = np.zeros_like(seg)
    # Shift the whole map one voxel along j; what falls off the far end is lost, the near row is background.
    out[:, 1:, :] = seg[:, :-1, :]
    # Erode the largest organ by one voxel (6-connected, the border counting as outside).
    largest_mask = out == largest
    out[largest_mask & ~ndimage.binary_erosion(largest_mask, structure=SIX_CONNECTED, border_value=0)] = 0
    # Grow the second largest into the background only.
    second_mask = out == second
    grown = ndimage.binary_dilation(second_mask, structure=SIX_CONNECTED) & (out == 0)
    out[grown] = second
    # Drop the smallest organ: present in the reference only.
    out[out == smallest] = 0
    # Add a label that the reference lacks: a small box in a background corner region.
    added = int(max(labels)) + 1
    background = np.argwhere(out == 0)
    corner = background[0]
    box = tuple(slice(int(c), int(c) + 3) for c in corner)
    out[box][out[box] == 0] = added
    return out, {"shiftedAxis": 1, "eroded": largest, "dilated": second, "dropped": smallest, "added": added}


def command_perturb(in_path, out_path):
    image = nib.load(in_path)
    seg = np.asanyarray(image.dataobj)
    out, summary = perturb(seg)
    header = image.header.copy()
    nib.save(nib.Nifti1Image(out.astype(seg.dtype), image.affine, header), out_path)
    print(json.dumps(summary))


def main(argv):
    if len(argv) == 3 and argv[1] == "edt":
        command_edt(argv[2])
    elif len(argv) == 4 and argv[1] == "perturb":
        command_perturb(argv[2], argv[3])
    elif len(argv) == 3 and argv[1] == "compare":
        command_compare(argv[2])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
