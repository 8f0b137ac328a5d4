"""Demo encoder choice by measurement: the narrow SAM ViT (``demo``) against a MobileSAM-style
TinyViT of the same size class (``demo_tinyvit``).

Per encoder: parameter count, CPU latency of one 128 x 128 encoder forward (1 thread, batch 1,
median of ``--reps`` after warm-up; the encoders take turns so background load hits both alike)
and a short supervised training with the same budget (whole model trained from scratch, style
augmentation on, same seed, steps, batch and learning rates, as stage A of the demo model),
scored by mean Dice over the organs present in the held-out test block, original and under the
five held-out style shifts. Writes ``training/results/encoders.md`` and ``encoders.json``.

Usage (resumable: a finished training is not rerun)::

    nice /usr/bin/python3 -m training.experiments.compare_encoders --steps 250 --batch 6
"""

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch

from ..data.demo import load_demo_split
from ..data.shifts import SHIFTS
from ..evaluate import evaluate_shifts, load_model, summarize
from ..modeling import ENCODERS, build_image_encoder, init_empty_weights
from ..train import TrainConfig, train

CONDITIONS = ["none"] + list(SHIFTS)
REPO = Path(__file__).resolve().parents[2]


def count_parameters(size: str) -> int:
    """Image encoder parameters of a named size (built on the meta device: no memory)."""
    with init_empty_weights():
        enc = build_image_encoder(size)
    return sum(p.numel() for p in enc.parameters())


@torch.no_grad()
def conv_linear_macs(size: str) -> int:
    """Multiply-accumulates of the encoder's Conv2d and Linear layers for one image (batch 1).

    Attention products (q k^T, attn v) are left out: at 16 x 16 tokens they are a few percent.
    """
    enc = build_image_encoder(size).eval()
    total = [0]

    def hook(m: torch.nn.Module, inp: Any, out: torch.Tensor) -> None:
        if isinstance(m, torch.nn.Conv2d):
            k = m.weight.shape[1] * m.weight.shape[2] * m.weight.shape[3]
            total[0] += out.numel() * k
        else:
            total[0] += out.numel() * m.in_features

    hs = [
        m.register_forward_hook(hook)
        for m in enc.modules()
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))
    ]
    S = ENCODERS[size].img_size
    enc(torch.rand(1, 3, S, S))
    for h in hs:
        h.remove()
    return total[0]


@torch.no_grad()
def latencies_ms(sizes: Sequence[str], reps: int, warmup: int = 5) -> Dict[str, List[float]]:
    """{size: [ms of one forward] * reps} for an image [1, 3, S, S], eval mode, 1 thread.

    Round-robin over the encoders, so slow phases of a shared machine hit each of them.
    """
    torch.set_num_threads(1)
    torch.manual_seed(0)
    encs = {s: build_image_encoder(s).eval() for s in sizes}
    xs = {s: torch.rand(1, 3, ENCODERS[s].img_size, ENCODERS[s].img_size) for s in sizes}
    for s in sizes:
        for _ in range(warmup):
            encs[s](xs[s])
    out: Dict[str, List[float]] = {s: [] for s in sizes}
    for _ in range(reps):
        for s in sizes:
            t = time.perf_counter()
            encs[s](xs[s])
            out[s].append((time.perf_counter() - t) * 1000.0)
    return out


def run_training(size: str, args: argparse.Namespace) -> Dict[str, Any]:
    """Train ``size`` with the shared budget (resumable), then score it on the test block."""
    out = Path(args.runs) / size
    res_path = out / "eval.json"
    if res_path.exists():
        return json.loads(res_path.read_text())
    cfg = TrainConfig(
        out=str(out),
        encoder=size,
        train_encoder=True,
        steps=args.steps,
        batch=args.batch,
        lr=args.lr,
        encoder_lr=args.encoder_lr,
        seed=args.seed,
        threads=1,
        resume=True,
        ckpt_every=50,
    )
    t0 = time.time()
    log: List[Dict[str, float]] = []
    train(cfg, log)
    wall = time.time() - t0
    model = load_model(str(out / "final.pt"))
    scores = evaluate_shifts(model, load_demo_split("test"), CONDITIONS)
    res = {
        "encoder": size,
        "steps": args.steps,
        "batch": args.batch,
        "lr": args.lr,
        "encoder_lr": args.encoder_lr,
        "seed": args.seed,
        # Only meaningful when the run was not resumed (resumed steps are not timed).
        "train_s_per_step": wall / max(len(log), 1),
        "final_loss": {k: v for k, v in log[-1].items() if k != "step"} if log else {},
        "scores": scores,
    }
    res_path.write_text(json.dumps(res, indent=1))
    return res


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def fmt(x: float, nd: int = 2) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{x:.{nd}f}"


def shift_mean(scores: Dict[str, Dict[str, Dict[str, float]]]) -> float:
    return float(np.mean([summarize(scores[c])["dice"] for c in CONDITIONS[1:]]))


def write_report(res: Dict[str, Any], path: Path) -> None:
    a = res["setup"]
    rows = res["encoders"]
    lines = [
        "# Demo encoder: narrow SAM ViT vs TinyViT (training/experiments/compare_encoders.py)",
        "",
        "**Reference labels are TotalSegmentator model outputs (`example_seg_fast_force_split`), "
        "not manual ground truth: every Dice below measures agreement with TotalSegmentator on "
        "one CT.** The training budget is tiny ({steps} steps of batch {batch} from scratch, a "
        "few CPU minutes per encoder), so the Dice columns say which encoder learns faster "
        "under that budget, not which is better when trained to convergence.".format(**a),
        "",
        "Setup: the whole model (encoder, adapter, prompt encoder, decoder) trained from "
        "scratch on the training slices of `example_ct` with style augmentation and prompts, "
        "{steps} steps, batch {batch}, seed {seed}, AdamW lr {lr} (encoder {encoder_lr}), "
        "cosine schedule, 1 thread; identical for both encoders (`training.train.train`). "
        "Scores: mean Dice over the organs present in the held-out test block (z 88-97, 10 "
        "slices), original and the mean over the five held-out style shifts of "
        "`training/data/shifts.py`. Latency: one encoder forward of a [1, 3, 128, 128] image in "
        "PyTorch {torch} (eval mode, `torch.set_num_threads(1)`, {platform}), median (and "
        "minimum) of {reps} after {warmup} warm-up runs, the encoders alternating; the machine "
        "ran another single-threaded job on its second core, so absolute times are noisy, the "
        "ratio less so. GMACs: multiply-accumulates of the convolutions and linear layers for "
        "one image (attention products left out). Train s/step: wall time per training step "
        "(batch {batch}, forward + backward of the whole model).".format(**a),
        "",
        "| encoder | parameters | GMACs | latency median (min) ms | train s/step | test Dice | "
        "Dice under shifts |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['encoder']}` | {r['parameters'] / 1e6:.2f} M | {r['macs'] / 1e9:.2f} | "
            f"{fmt(r['latency_ms_median'], 1)} ({fmt(r['latency_ms_min'], 1)}) | "
            f"{fmt(r['train_s_per_step'], 2)} | {fmt(r['dice_test'])} | "
            f"{fmt(r['dice_shifts'])} |"
        )
    lines += [
        "",
        "Per condition (mean Dice over organs):",
        "",
        "| encoder | " + " | ".join(CONDITIONS) + " |",
        "|---|" + "---|" * len(CONDITIONS),
    ]
    for r in rows:
        lines.append(
            f"| `{r['encoder']}` | "
            + " | ".join(fmt(summarize(r["scores"][c])["dice"]) for c in CONDITIONS)
            + " |"
        )
    organs = list(rows[0]["scores"]["none"])
    lines += [
        "",
        "Per organ, original test slices (Dice):",
        "",
        "| organ | " + " | ".join(f"`{r['encoder']}`" for r in rows) + " |",
        "|---|" + "---|" * len(rows),
    ]
    for o in organs:
        lines.append(
            f"| {o} | " + " | ".join(fmt(r["scores"]["none"][o]["dice"]) for r in rows) + " |"
        )
    lines += [
        "",
        "Full-size encoders for reference (parameters only, not run here): "
        + ", ".join(f"`{k}` {v / 1e6:.2f} M" for k, v in res["reference_parameters"].items())
        + ".",
        "",
        "## Decision",
        "",
        res["decision"],
        "",
        "Raw numbers: `training/results/encoders.json`.",
        "",
    ]
    path.write_text("\n".join(lines))


def decide(rows: List[Dict[str, Any]]) -> str:
    """One paragraph from the measurements.

    TinyViT is preferred when it scores better (test and shifts, by more than 0.02 Dice) at
    under 1.5x the latency, or is faster without scoring worse; otherwise the ViT stays.
    """
    vit = next(r for r in rows if r["encoder"] == "demo")
    tv = next(r for r in rows if r["encoder"] == "demo_tinyvit")
    speed = tv["latency_ms_median"] / vit["latency_ms_median"]
    macs = tv["macs"] / vit["macs"]
    d_test = tv["dice_test"] - vit["dice_test"]
    d_shift = tv["dice_shifts"] - vit["dice_shifts"]
    better = d_test > 0.02 and d_shift > 0.02
    worse = d_test < -0.02 or d_shift < -0.02
    pick_tv = (better and speed < 1.5) or (speed < 0.9 and not worse)
    head = (
        "**TinyViT (`demo_tinyvit`) is the better demo encoder by these measurements.**"
        if pick_tv
        else "**Keep the narrow ViT (`demo`) as the demo encoder.**"
    )
    speed_txt = (
        f"{(speed - 1) * 100:.0f} % slower" if speed >= 1 else f"{(1 - speed) * 100:.0f} % faster"
    )
    text = (
        f"{head} At 128 x 128 it has {tv['parameters'] / 1e6:.2f} M parameters against "
        f"{vit['parameters'] / 1e6:.2f} M and {macs:.2f}x the multiply-accumulates, and is "
        f"{speed_txt} on one CPU thread (median {tv['latency_ms_median']:.1f} vs "
        f"{vit['latency_ms_median']:.1f} ms per slice); with the same training budget its "
        f"test Dice is {tv['dice_test']:.2f} against {vit['dice_test']:.2f} and its Dice under "
        f"the style shifts {tv['dice_shifts']:.2f} against {vit['dice_shifts']:.2f}. "
    )
    if vit["dice_test"] < 0.02:
        text += (
            "At this budget the ViT model still labels (almost) every pixel background; it "
            "needs more steps (after 600 + 100 steps it reaches 0.10-0.12, `ood.md`). "
        )
    if speed >= 1:
        text += (
            "TinyViT's speed advantage in MobileSAM comes from 1024 x 1024 inputs (SAM's ViT-B "
            "attends over 4096 tokens, globally in 4 of its 12 blocks); at 128 x 128 the ViT "
            "has only 256 tokens, so attention is cheap for it too, while TinyViT has more "
            "multiply-accumulates (ten attention blocks on the same 16 x 16 grid) and many small "
            "operations (depthwise convolutions, BatchNorm, window reshapes) that run less "
            "efficiently on a CPU: here it is not the faster encoder. "
        )
    if pick_tv and speed >= 1:
        text += (
            "The latency difference is small in absolute terms (the app encodes each slice "
            "once), while the gap in what the model learns under a CPU-sized budget is large; "
            "the likely reason is TinyViT's convolutional inductive bias (MBConv stage, "
            "depthwise convolution in every block, BatchNorm), which the experiment does not "
            "isolate. "
        )
    text += (
        "Caveats: one seed, one short budget, one CT with TotalSegmentator labels; the shipped "
        "model (`models/causal-sam-demo`, trained for 900 + 3000 + 400 steps plus the prompt "
        "stage: the ViT's slow start is not its ceiling, 0.46 mean test Dice) still uses the "
        "ViT. Switching it means adding `--encoder demo_tinyvit` to the three `training.train` "
        "commands of `experiments/train_demo.sh` "
        "(the prompt stage, evaluation and export read the encoder from the checkpoint) and "
        "re-exporting; a repeat with more seeds or a longer budget should come first. "
        "`tiny_vit_5m` is there for full-size work: it loads the official MobileSAM checkpoint "
        "(`mobile_sam.pt`) by key."
    )
    return text


def main(argv: Optional[Sequence[str]] = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--encoders", default="demo,demo_tinyvit")
    p.add_argument("--runs", default="/tmp/compare_encoders")
    p.add_argument("--steps", type=int, default=250)
    p.add_argument("--batch", type=int, default=6)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--encoder-lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--results", default=str(REPO / "training" / "results"))
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    sizes = a.encoders.split(",")
    lat = latencies_ms(sizes, a.reps)
    rows = []
    for s in sizes:
        r = run_training(s, a)
        r.update(
            kind=ENCODERS[s].kind,
            parameters=count_parameters(s),
            macs=conv_linear_macs(s),
            latency_ms=lat[s],
            latency_ms_median=float(np.median(lat[s])),
            latency_ms_min=float(np.min(lat[s])),
            dice_test=summarize(r["scores"]["none"])["dice"],
            dice_shifts=shift_mean(r["scores"]),
        )
        rows.append(r)
        print(s, {k: r[k] for k in ("parameters", "latency_ms_median", "dice_test")}, flush=True)
    res = {
        "setup": {
            "steps": a.steps,
            "batch": a.batch,
            "lr": a.lr,
            "encoder_lr": a.encoder_lr,
            "seed": a.seed,
            "reps": a.reps,
            "warmup": 5,
            "torch": torch.__version__,
            "platform": cpu_name(),
        },
        "reference_parameters": {s: count_parameters(s) for s in ("tiny_vit_5m", "vit_b")},
        "encoders": rows,
    }
    res["decision"] = decide(rows) if {"demo", "demo_tinyvit"} <= set(sizes) else ""
    out = Path(a.results)
    out.mkdir(parents=True, exist_ok=True)
    (out / "encoders.json").write_text(json.dumps(res, indent=1))
    write_report(res, out / "encoders.md")
    print((out / "encoders.md").read_text())


if __name__ == "__main__":
    main()
