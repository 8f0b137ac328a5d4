"""Measured scores and training data as the exported manifest states them."""

from typing import Any, Dict, List


def scores_from_eval(ev: Dict[str, Any], dataset: str) -> Dict[str, Any]:
    results: List[Dict[str, Any]] = []
    for cond, per in ev.get("shifts", {}).items():
        results.append(
            {
                "dataset": dataset,
                "condition": "original" if cond == "none" else f"held-out style shift: {cond}",
                "perClass": {
                    k: {"dice": round(v["dice"], 4), "hd95Mm": round(v["hd95_mm"], 2)}
                    for k, v in per.items()
                },
            }
        )
    return {
        "referenceLabels": "TotalSegmentator model outputs (example_seg_fast_force_split), not "
        "manual ground truth: a Dice here measures agreement with TotalSegmentator.",
        "results": results,
        "other": {
            k: ev[k]
            for k in (
                "box_prompt_dice",
                "box_only_baseline_dice",
                "point_prompt_dice",
                "interventions",
                "breast1_box_dice",
                "brain_flair_box_dice",
                "ukat_mr_kidneys",
            )
            if k in ev
        },
    }


def mr_results(mr: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Manifest score rows from :func:`training.evaluate_mr.evaluate_ukat` (one per case)."""
    rows = []
    for case, r in mr["cases"].items():
        rows.append(
            {
                "dataset": f"ukat-mr-kidneys {case} (real MR, coronal; validation only, "
                "never trained on; manual-looking ROIs of unstated origin)",
                "condition": "original",
                "perClass": {
                    k: {"dice": round(r[k]["dice"], 4), "hd95Mm": round(r[k]["hd95_mm"], 2)}
                    for k in ("kidney_right", "kidney_left")
                },
            }
        )
    return rows


DEMO_TRAINING_DATA = [
    {
        "name": "TotalSegmentator example_ct (one CT, abdomen/pelvis, 3 mm)",
        "source": "wasserth/TotalSegmentator @ 0e65a448 tests/reference_files (via ../shared/data)",
        "licence": "Apache-2.0 (repository); dataset CC BY 4.0 (not re-verified)",
        "use": "labels for encoder pre-training and decoder training (single source)",
        "labels": "TotalSegmentator --fast outputs, not manual ground truth",
        "split": "train z 0-85, 100-101, 110-111; validation z 104-107; test z 88-97",
    }
]
