"""Test-time input adaptation without gradients: can the model choose its own intensity mapping?

The app runs ONNX Runtime (no gradients), so entropy minimisation over normalisation statistics
cannot run there. The gradient-free form tried here: for each study, feed the encoder K fixed
intensity mappings of the normalised image (identity, inversion, gamma 0.5 / 2, histogram
equalisation, inverted equalisation) and keep the one the model is most at home with, by either
the out-of-distribution embedding distance of ``ood.json`` or the decoder's mean predictive
entropy. Scored on the CT test block (z 88-97, TotalSegmentator labels: not manual truth) under
the held-out style shifts, and on the real coronal MR of ``ukat-mr-kidneys`` (validation only:
nothing here is fitted to it; the candidate set and both rules were fixed before the run).
Writes ``training/results/tta_intensity.{json,md}``.

Usage::

    /usr/bin/python3 -m training.experiments.tta_intensity --model models/causal-sam-demo
"""

import argparse
import json
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..data import preprocess
from ..data.demo import DEMO_CLASSES, load_demo_split
from ..data.shifts import SHIFTS, apply_shift
from ..evaluate import SPACING, no_prompt, to_input
from ..evaluate_mr import KIDNEYS, case_slices, ukat_cases
from ..metrics import per_class_scores
from ..modeling import CausalSAM, build_model
from ..modeling.onnx_import import state_dict_from_onnx


def _equalise(img: np.ndarray) -> np.ndarray:
    """Histogram equalisation of one slice [H, W] in [0, 1]."""
    v = np.sort(img.ravel())
    return (np.searchsorted(v, img.ravel(), side="right") / v.size).reshape(img.shape)


MAPPINGS: Dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": lambda x: x,
    "inverted": lambda x: 1 - x,
    "gamma 0.5": lambda x: x**0.5,
    "gamma 2": lambda x: x**2,
    "equalised": _equalise,
    "inverted equalised": lambda x: 1 - _equalise(x),
}


def ood_distance(emb: np.ndarray, stats: Dict) -> np.ndarray:
    """Per-slice distance of embeddings [N, C, h, w] to the training set's (as ``ood.ts``)."""
    f = np.concatenate([emb.mean((2, 3)), emb.std((2, 3))], 1)
    d = f - np.asarray(stats["mean"])
    comps = np.asarray(stats["components"])
    p = d @ comps.T
    res = np.maximum((d * d).sum(1) - (p * p).sum(1), 0)
    return np.sqrt(
        ((p * p / np.asarray(stats["variances"])).sum(1) + res / stats["residualVariance"])
        / len(f[0])
    )


@torch.no_grad()
def run(model: CausalSAM, images: np.ndarray, stats: Dict) -> Tuple[np.ndarray, float, float]:
    """Slices [N, S, S] -> (class map [N, S, S], median OOD distance, mean predictive entropy)."""
    preds, dist, ent = [], [], []
    for i in range(0, len(images), 8):
        x = to_input(np.ascontiguousarray(images[i : i + 8], dtype=np.float32))
        emb = model.encode(x)
        logits = model.decode(emb, *no_prompt(len(x)))["class_logits"]
        prob = torch.softmax(logits, 1)
        ent.append((-(prob * torch.log(prob + 1e-8)).sum(1)).mean((1, 2)).numpy())
        preds.append(logits.argmax(1).numpy())
        dist.append(ood_distance(emb.numpy(), stats))
    return (
        np.concatenate(preds).astype(np.uint8),
        float(np.median(np.concatenate(dist))),
        float(np.mean(np.concatenate(ent))),
    )


def _mapped(images: np.ndarray, name: str) -> np.ndarray:
    return np.stack([MAPPINGS[name](im) for im in images]).astype(np.float32)


def _hu_window(arr: np.ndarray, modality: str = "") -> np.ndarray:
    """The shipped demo model's CT input (HU window -160..240), as its manifest says."""
    return np.clip((arr.astype(np.float32) + 160) / 400, 0, 1).astype(np.float32)


def evaluate(model_dir: str) -> Dict[str, Dict[str, Dict[str, float]]]:
    """{case: {mapping: {dice, ood, entropy}}} for the CT test shifts and the ukat volumes."""
    model = build_model("demo", len(DEMO_CLASSES) + 1)
    model.load_state_dict(state_dict_from_onnx(model_dir, model), strict=False)
    model.eval()
    stats = json.loads((Path(model_dir) / "ood.json").read_text())
    own = preprocess.normalise_intensity
    preprocess.normalise_intensity = _hu_window  # the shipped model's CT preprocessing
    try:
        test = load_demo_split("test")
    finally:
        preprocess.normalise_intensity = own
    out: Dict[str, Dict[str, Dict[str, float]]] = {}
    for shift in ["none"] + list(SHIFTS):
        shifted = apply_shift(shift, test.images)
        out[f"CT test, {shift}"] = {}
        for name in MAPPINGS:
            pred, dist, ent = run(model, _mapped(shifted, name), stats)
            sc = per_class_scores(pred, test.classes, list(DEMO_CLASSES), SPACING)
            dice = float(np.mean([v["dice"] for v in sc.values()]))
            out[f"CT test, {shift}"][name] = {"dice": dice, "ood": dist, "entropy": ent}
    for case, image, right, left in ukat_cases():
        s, _, dz = case_slices(image, right, left)
        out[f"ukat {case} (kidneys)"] = {}
        for name in MAPPINGS:
            pred, dist, ent = run(model, _mapped(s.images, name), stats)
            sc = per_class_scores(pred, s.classes, list(DEMO_CLASSES), (dz, 3.0, 3.0))
            dice = float(np.mean([sc.get(k, {"dice": 0.0})["dice"] for k in KIDNEYS]))
            out[f"ukat {case} (kidneys)"][name] = {"dice": dice, "ood": dist, "entropy": ent}
    return out


def write_md(res: Dict[str, Dict[str, Dict[str, float]]], path: Path) -> None:
    names = list(MAPPINGS)
    lines = [
        "# Test-time choice of the intensity mapping (shipped model, no gradients)",
        "",
        "Mean Dice per case and mapping; the last three columns: the score kept by each rule "
        "(identity = no adaptation; lowest OOD distance; lowest decoder entropy) and, in brackets, "
        "the mapping chosen. CT: test block z 88-97 against TotalSegmentator outputs (not manual "
        "truth). ukat: real MR, validation only (nothing fitted to it).",
        "",
        "| case | " + " | ".join(names) + " | identity | min OOD | min entropy |",
        "|---" * (len(names) + 4) + "|",
    ]
    kept: Dict[str, List[float]] = {"identity": [], "ood": [], "entropy": []}
    for case, row in res.items():
        by_ood = min(names, key=lambda n: row[n]["ood"])
        by_ent = min(names, key=lambda n: row[n]["entropy"])
        kept["identity"].append(row["identity"]["dice"])
        kept["ood"].append(row[by_ood]["dice"])
        kept["entropy"].append(row[by_ent]["dice"])
        cells = [f"{row[n]['dice']:.2f}" for n in names]
        lines.append(
            f"| {case} | "
            + " | ".join(cells)
            + f" | {row['identity']['dice']:.2f} | {row[by_ood]['dice']:.2f} ({by_ood})"
            + f" | {row[by_ent]['dice']:.2f} ({by_ent}) |"
        )
    lines += [
        "",
        "Mean over the cases: identity %.3f, min OOD %.3f, min entropy %.3f."
        % tuple(float(np.mean(kept[k])) for k in ("identity", "ood", "entropy")),
    ]
    path.write_text("\n".join(lines) + "\n")


def main(argv: Optional[Sequence[str]] = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", default="models/causal-sam-demo")
    p.add_argument("--out", default="training/results/tta_intensity")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    res = evaluate(a.model)
    Path(a.out + ".json").write_text(json.dumps(res, indent=1))
    write_md(res, Path(a.out + ".md"))
    print(Path(a.out + ".md").read_text())


if __name__ == "__main__":
    main()
