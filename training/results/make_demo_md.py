"""Render training/results/demo_eval.json as training/results/demo.md (run after evaluate)."""

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
KIDNEYS = ("kidney_right", "kidney_left")


def main() -> None:
    ev = json.loads((HERE / "demo_eval.json").read_text())
    conds = list(ev["shifts"])
    organs = list(ev["shifts"]["none"])
    out = [
        "# Demo model (`models/causal-sam-demo`): measured scores",
        "",
        "**Reference labels are TotalSegmentator model outputs (`example_seg_fast_force_split`), "
        "not manual ground truth: every Dice/HD95 here measures agreement with TotalSegmentator "
        "on one CT.** Held-out test block: `example_ct` z 88-97 (10 axial slices, 3 mm), never "
        "used for training or model selection; HD95 in 3D over the block (an organ never "
        "predicted scores the 543.9 mm block diagonal as a penalty). No MR label was used for "
        "training; the real-MR kidney ROIs were used for checkpoint selection only.",
        "",
        "## Dice / HD95 (mm) per organ, original and held-out style shifts",
        "",
        "| organ | " + " | ".join(conds) + " |",
        "|---|" + "---|" * len(conds),
    ]
    for o in organs:
        cells = [
            f"{ev['shifts'][c][o]['dice']:.2f} / {ev['shifts'][c][o]['hd95_mm']:.1f}" for c in conds
        ]
        out.append(f"| {o} | " + " | ".join(cells) + " |")
    means = []
    for c in conds:
        d = np.mean([ev["shifts"][c][o]["dice"] for o in organs])
        h = np.mean([ev["shifts"][c][o]["hd95_mm"] for o in organs])
        means.append(f"**{d:.2f} / {h:.1f}**")
    out.append("| mean | " + " | ".join(means) + " |")
    out += [
        "",
        "## Promptable segmentation per organ per test slice (2D Dice, mean over slices)",
        "",
        "Prompts: one tight box; one positive point at the organ's innermost pixel; that point "
        "plus one negative point on the innermost background pixel of the box dilated by 4 px. "
        "The filled-box column is no model at all (the box rectangle itself as the mask): the "
        "reference a box-prompted mask has to beat.",
        "",
    ]
    pts = ev.get("point_prompt_dice", {})
    base = ev.get("box_only_baseline_dice", {})
    out.append("| organ | box | filled box (no model) | 1 positive point | positive + negative |")
    out.append("|---|---|---|---|---|")
    rows = {k: [v] for k, v in ev["box_prompt_dice"].items()}
    for k in rows:
        rows[k] += [
            base.get(k, float("nan")),
            pts.get("pos", {}).get(k, float("nan")),
            pts.get("pos_neg", {}).get(k, float("nan")),
        ]
    for k, v in rows.items():
        out.append(f"| {k} | " + " | ".join(f"{x:.2f}" for x in v) + " |")
    if rows:
        m = np.nanmean(np.array(list(rows.values())), axis=0)
        out.append("| mean | " + " | ".join(f"**{x:.2f}**" for x in m) + " |")
    b = ev["breast1_box_dice"]
    out += [
        "",
        f"Cross-anatomy check (MR, never seen in training): pyradiomics `breast1` lesion, one box "
        f"per labelled slice, resampled to 1 mm: mean Dice {b['dice']:.2f} over "
        f"{int(b['slices'])} slices (143-voxel label, used for scoring only); the filled box "
        f"itself (no model) scores {b.get('box_only_dice', float('nan')):.2f}.",
        "",
    ]
    br = ev.get("brain_flair_box_dice")
    if br:
        out += [
            f"Brain (MR, never seen in training): niivue `FLAIR` with its hand-drawn lesion "
            f"drawing (labels 1-3 together; not expert truth), one box per 4th labelled axial "
            f"slice at 1.5 mm: mean Dice {br['dice']:.2f} over {int(br['slices'])} slices; the "
            f"filled box itself scores {br['box_only_dice']:.2f}.",
            "",
        ]
    mr = ev.get("ukat_mr_kidneys")
    if mr:
        out += [
            "## Real MR (validation only, never trained on): `ukat-mr-kidneys`",
            "",
            "UKRIN-MAPS/ukat (GPL-3.0): first-echo magnitude of coronal B0-map acquisitions, "
            "3 x 3 mm in-plane, slices 5.5 mm apart, kidney ROIs of unstated origin. Segmented "
            "along the acquisition (coronal) plane; 3D Dice / HD95 (mm) over each slab. Used for "
            "checkpoint selection, never for training or fitting.",
            "",
            "| case | kidney_right | kidney_left |",
            "|---|---|---|",
        ]
        for case, r in mr["cases"].items():
            cells = [f"{r[k]['dice']:.2f} / {r[k]['hd95_mm']:.1f}" for k in KIDNEYS]
            out.append(f"| {case} | " + " | ".join(cells) + " |")
        out += ["", f"Mean kidney Dice: **{mr['mean_kidney_dice']:.2f}**.", ""]
    out += [
        "",
        "## Interventions (simulated errors on the test slices)",
        "",
    ]
    iv = ev["interventions"]
    out += [
        "Dice of the organ inside the gate, without -> with the matching intervention "
        f"(grow: n = {int(iv['n_grow'])}, shrink: n = {int(iv['n_shrink'])}):",
        "",
        f"* under-segmentation + `grow`: {iv['grow_before']:.2f} -> {iv['grow_after']:.2f}",
        f"* leak / over-segmentation + `shrink`: {iv['shrink_before']:.2f} -> "
        f"{iv['shrink_after']:.2f}",
        f"* largest class-logit change more than 3 px outside the gate: "
        f"{iv['max_logit_change_outside_gate']:.2e}",
    ]
    sel = sorted(k for k in iv if "_selectivity_at_" in k)
    if sel:
        out.append(
            "* selectivity (precision of the flipped pixels inside the gate against the "
            "reference) by strength: "
            + ", ".join(f"{k.replace('_selectivity_at_', ' at ')} {iv[k]:.2f}" for k in sel)
        )
    out.append("")
    (HERE / "demo.md").write_text("\n".join(out))


if __name__ == "__main__":
    main()
