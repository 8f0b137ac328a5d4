"""Ablation of the DG augmentation ingredients (short runs; labelled as such in the results).

Every variant starts from the same weights (the previously shipped demo model, read back from
its ONNX graphs), trains the whole model for the same number of steps with the same seed, batch
and data (all three planes), and leaves out one ingredient of :mod:`training.data.dg_augment`
("all" keeps every one; "none" keeps only the spatial augmentation). Scores: mean Dice over the
organs of the CT test block (z 88-97; TotalSegmentator labels, not manual truth), original and
under the five held-out shifts, and mean kidney Dice on the real MR of ``ukat-mr-kidneys``
(validation data: reported, never trained on). Writes ``training/results/ablation.{json,md}``.

Usage (resumable: finished variants are skipped)::

    /usr/bin/python3 -m training.experiments.ablate_dg --steps 150
"""

import argparse
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch

from ..data.demo import load_demo_split
from ..data.dg_augment import INGREDIENTS
from ..data.shifts import SHIFTS
from ..evaluate import evaluate_shifts, load_model, summarize
from ..evaluate_mr import evaluate_ukat
from ..train import TrainConfig, train

VARIANTS: Dict[str, List[str]] = {
    "all": [],
    "none": list(INGREDIENTS),
    "no_gin": ["gin"],
    "no_curve": ["curve"],
    "no_location_scale": ["location_scale"],
    "no_inversion": ["inversion"],
    "no_bias_noise_resolution": ["bias_field", "noise", "resolution"],
}


def run_variant(name: str, steps: int, runs: Path, init_onnx: str) -> Dict[str, Any]:
    out = runs / name
    if not (out / "final.pt").exists():
        cfg = TrainConfig(
            out=str(out),
            init_onnx=init_onnx,
            train_encoder=True,
            steps=steps,
            batch=8,
            lr=6e-4,
            encoder_lr=4e-4,
            planes=["axial", "coronal", "sagittal"],
            augment="dg",
            aug_disable=VARIANTS[name],
            style_aug=name != "none",
            schedule="onecycle",
            seed=11,
            ckpt_every=50,
            resume=True,
        )
        train(cfg)
    model = load_model(str(out / "final.pt"))
    shifts = evaluate_shifts(model, load_demo_split("test"))
    summary = {s: summarize(v)["dice"] for s, v in shifts.items()}
    summary["mean_of_shifts"] = float(np.mean([summary[s] for s in SHIFTS]))
    summary["ukat_mean_kidney_dice"] = float(evaluate_ukat(model)["mean_kidney_dice"])
    return {"disabled": VARIANTS[name], "steps": steps, "mean_dice": summary}


def write_md(res: Dict[str, Any], path: Path, steps: int) -> None:
    cols = ["none"] + list(SHIFTS) + ["mean_of_shifts", "ukat_mean_kidney_dice"]
    lines = [
        "# DG augmentation ablation (short runs)",
        "",
        f"**Short runs: {steps} steps of batch 8 per variant**, every one from the previously "
        "shipped demo weights, seed 11, all three planes, the whole model trained, one-cycle "
        "AdamW (6e-4, encoder 4e-4). CT columns: mean Dice over the organs of the test block "
        "z 88-97 of `example_ct` against **TotalSegmentator outputs (not manual truth)**; "
        "`ukat`: mean kidney Dice on the two real MR volumes of `ukat-mr-kidneys` "
        "(UKRIN-MAPS/ukat; validation only, never trained on). One seed: differences of a few "
        "hundredths are noise.",
        "",
        "| variant | left out | " + " | ".join(cols) + " |",
        "|---" * (len(cols) + 2) + "|",
    ]
    for name, r in res.items():
        left = ", ".join(r["disabled"]) if name != "none" else "every style ingredient"
        lines.append(
            f"| {name} | {left or '-'} | "
            + " | ".join(f"{r['mean_dice'][c]:.2f}" for c in cols)
            + " |"
        )
    path.write_text("\n".join(lines) + "\n")


def main(argv: Optional[Sequence[str]] = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--steps", type=int, default=150)
    p.add_argument("--runs", default="training/runs/ablate")
    p.add_argument("--init-onnx", default="models/causal-sam-demo")
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--out", default="training/results/ablation")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    out = Path(a.out)
    js = out.with_suffix(".json")
    res: Dict[str, Any] = json.loads(js.read_text()) if js.exists() else {}
    for name in a.variants.split(","):
        if name in res and res[name]["steps"] == a.steps:
            continue
        res[name] = run_variant(name, a.steps, Path(a.runs), a.init_onnx)
        js.write_text(json.dumps(res, indent=1))
        write_md(res, out.with_suffix(".md"), a.steps)
        print(name, res[name]["mean_dice"], flush=True)


if __name__ == "__main__":
    main()
