"""Checkpoint selection for a run's weights-only snapshots (``stepNNNNN.pt`` + ``final.pt``).

Scores each on the CT validation block (z 104-107; mean Dice over organs, original and mean of
the five held-out shifts; TotalSegmentator labels, not manual truth) and on the real MR of
``ukat-mr-kidneys`` (mean kidney Dice; model selection on it is allowed, training is not), and
picks the best by the mean of three numbers: CT validation original, CT validation under shifts,
ukat kidneys. The test block is never looked at here. Writes ``<out>.json`` and ``<out>.md``.

Usage::

    /usr/bin/python3 -m training.experiments.select_checkpoint --run training/runs/dg_a \
        --out training/results/dg_selection
"""

import argparse
import json
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

import numpy as np
import torch

from ..data.demo import load_demo_split
from ..data.shifts import SHIFTS
from ..evaluate import evaluate_shifts, load_model, summarize
from ..evaluate_mr import evaluate_ukat


def score(path: Path) -> Dict[str, float]:
    model = load_model(str(path))
    val = evaluate_shifts(model, load_demo_split("val"))
    orig = summarize(val["none"])["dice"]
    shifted = float(np.mean([summarize(val[s])["dice"] for s in SHIFTS]))
    mr = float(evaluate_ukat(model)["mean_kidney_dice"])
    return {
        "val_dice": orig,
        "val_shift_dice": shifted,
        "ukat_kidney_dice": mr,
        "criterion": float(np.mean([orig, shifted, mr])),
    }


def main(argv: Optional[Sequence[str]] = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--run", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    run = Path(a.run)
    out = Path(a.out)
    js = out.with_suffix(".json")
    res: Dict[str, Any] = json.loads(js.read_text()) if js.exists() else {}
    for ck in sorted(run.glob("step*.pt")) + [run / "final.pt"]:
        if ck.exists() and ck.name not in res:
            res[ck.name] = score(ck)
            js.write_text(json.dumps(res, indent=1))
            print(ck.name, res[ck.name], flush=True)
    best = max(res, key=lambda k: res[k]["criterion"])
    lines = [
        f"# Checkpoint selection: `{a.run}`",
        "",
        "CT validation block z 104-107 of `example_ct` (mean Dice over organs against "
        "**TotalSegmentator outputs, not manual truth**; original and mean of the five held-out "
        "shifts) and mean kidney Dice on the two real MR volumes of `ukat-mr-kidneys` "
        "(UKRIN-MAPS/ukat; used for selection, never for training). Criterion: the mean of the "
        "three. The CT test block is not used here.",
        "",
        "| checkpoint | CT val | CT val, shifts | ukat kidneys | criterion |",
        "|---|---|---|---|---|",
    ]
    for k, r in res.items():
        mark = " **(selected)**" if k == best else ""
        lines.append(
            f"| {k}{mark} | {r['val_dice']:.3f} | {r['val_shift_dice']:.3f} | "
            f"{r['ukat_kidney_dice']:.3f} | {r['criterion']:.3f} |"
        )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("selected", best)


if __name__ == "__main__":
    main()
