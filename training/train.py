"""Train Causal-SAM (one CPU, one GPU, or many GPUs with ``torchrun``).

Usage (from the repository root)::

    /usr/bin/python3 -m training.train --out training/runs/demo --encoder demo --steps 800
    /usr/bin/python3 -m training.train --data /data/Task09_Spleen --encoder vit_b \\
        --checkpoint sam_vit_b_01ec64.pth --out runs/spleen
    torchrun --nproc_per_node 4 -m training.train --data ... --encoder vit_b ...

Stages: ``--train-encoder`` trains everything (supervised encoder pre-training); without it the
encoder is frozen and only the adapter, prompt encoder, decoder (and LAD critic) learn.
"""

import argparse
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.distributed as dist

from .data.demo import DEMO_CLASSES, load_demo_split
from .data.preprocess import SliceSet
from .lad import StyleCritic, adversarial_loss, critic_loss, pooled_features
from .lad.text_encoder import HashingTextEncoder

# prompt_loss, selectivity_rank_loss and soft_dice_loss are also imported from here by callers.
from .losses import (  # noqa: F401
    class_weights,
    losses,
    prompt_loss,
    selectivity_rank_loss,
    soft_dice_loss,
)

# NUM_POINTS and sample_prompt are also imported from here by callers.
from .batches import NUM_POINTS, BatchMaker, sample_prompt  # noqa: F401
from .modeling import ENCODERS, CausalSAM, build_model


@dataclass
class TrainConfig:
    """Everything that defines a run (saved next to its checkpoints)."""

    out: str = "training/runs/demo"
    data: str = "demo"  # "demo" or an MSD/nnU-Net folder
    encoder: str = "demo"
    checkpoint: Optional[str] = None  # official SAM / MedSAM .pth
    init: Optional[str] = None  # one of our checkpoints (e.g. a pre-trained encoder)
    init_encoder_only: bool = False  # take only image_encoder.* from ``init``
    init_onnx: Optional[str] = None  # an exported model folder to start from (its ONNX weights)
    classes: List[str] = field(default_factory=lambda: list(DEMO_CLASSES))
    spacing_mm: Optional[float] = None  # in-plane; default 3.0 (inputs <= 128 px) or 0.4
    steps: int = 800
    batch: int = 8
    lr: float = 1e-3
    encoder_lr: float = 2e-4
    weight_decay: float = 1e-4
    train_encoder: bool = False
    style_aug: bool = True
    # "dg": the single-source domain-generalisation recipe (data/dg_augment.py) on every sample
    # from the first step; "style": the earlier StyleAugmenter, ramped in over style_warmup.
    augment: str = "dg"
    aug_disable: List[str] = field(default_factory=list)  # dg ingredients left out (ablations)
    style_warmup: float = 0.4  # "style": probability ramps from 0 to 0.9 over this fraction
    planes: List[str] = field(default_factory=lambda: ["axial"])  # demo data: slicing planes
    schedule: str = "onecycle"  # "onecycle" (10 % linear warm-up, cosine to 0) or "cosine"
    snapshot_every: int = 0  # keep a weights-only copy every N steps (checkpoint selection)
    class_weight_cap: float = 5.0  # CE weights ~ 1/sqrt(frequency), background 1, capped
    lad: bool = False
    lad_weight: float = 0.1
    lad_tau: float = 0.1
    intervention: bool = False
    intervention_fraction: float = 0.5
    direction_lr_factor: float = 20.0  # learned FiLM directions train at lr x this
    rank_weight: float = 0.5  # selectivity ranking loss on the directions (intervention runs)
    prompt: bool = True
    seed: int = 0
    threads: int = 1
    ckpt_every: int = 50
    log_every: int = 25
    resume: bool = False


def is_dist() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    return dist.get_rank() if is_dist() else 0


def default_spacing(cfg: TrainConfig) -> float:
    """In-plane spacing (mm) the slices are resampled to.

    By input size, not name, so every demo-sized encoder gets the same field of view: 3 mm for
    inputs up to 128 px (128 px = 384 mm), 0.4 mm for SAM's 1024 px (410 mm).
    """
    if cfg.spacing_mm:
        return cfg.spacing_mm
    return 3.0 if ENCODERS[cfg.encoder].img_size <= 128 else 0.4


def load_data(cfg: TrainConfig, split: str) -> SliceSet:
    if cfg.data == "demo":
        return load_demo_split(split, planes=tuple(cfg.planes) if split == "train" else ("axial",))
    if cfg.data.startswith("synthetic"):
        from .data.synthetic import synthetic_slices

        size = ENCODERS[cfg.encoder].img_size
        return synthetic_slices(16, size, len(cfg.classes), seed=0 if split == "train" else 1)
    from .data.labels import catalogue_by_name
    from .data.io import read_volume
    from .data.msd import load_msd
    from .data.preprocess import concat, volume_to_slices

    cases = load_msd(cfg.data)
    n_val = max(1, len(cases) // 5)
    chosen = cases[n_val:] if split == "train" else cases[:n_val]
    ids = {n: int(s["id"]) for n, s in catalogue_by_name().items()}
    sets = [
        volume_to_slices(
            read_volume(c.image, c.modality),
            read_volume(c.label, c.modality) if c.label else None,
            c.labels,
            cfg.classes,
            ids,
            size=ENCODERS[cfg.encoder].img_size,
            spacing_mm=default_spacing(cfg),
        )
        for c in chosen
    ]
    return concat(sets)


def lr_factor(schedule: str, step: int, total: int) -> float:
    """Learning-rate multiplier at ``step`` of ``total``.

    "onecycle": linear warm-up over the first 10 % then cosine annealing to 2 % of the peak;
    "cosine": cosine from the peak, floored at 5 %.
    """
    if schedule == "onecycle":
        warm = max(int(0.1 * total), 1)
        if step < warm:
            return 0.04 + 0.96 * step / warm
        t = (step - warm) / max(total - warm, 1)
        return 0.02 + 0.98 * 0.5 * (1 + np.cos(np.pi * t))
    return max(0.5 * (1 + np.cos(np.pi * step / total)), 0.05)


def configure_trainable(model: CausalSAM, train_encoder: bool) -> None:
    model.image_encoder.requires_grad_(train_encoder)
    # SAM parts the demo never reads: keep them frozen so DDP and the counts stay honest.
    md = model.mask_decoder
    for m in list(md.output_hypernetworks_mlps)[1:] + [md.iou_prediction_head]:
        m.requires_grad_(False)
    model.prompt_encoder.mask_downscaling.requires_grad_(False)


def resumable_state(model: CausalSAM, opt, step: int, rng: np.random.Generator) -> Dict[str, Any]:
    """What a run needs to continue exactly: weights, optimiser, step and both random states."""
    return {
        "model": model.state_dict(),
        "opt": opt.state_dict(),
        "step": step,
        "rng": rng.bit_generator.state,
        "torch_rng": torch.get_rng_state(),
    }


def save_atomic(state: Dict[str, Any], path: Path) -> None:
    """Write to a temporary file, then rename: a run killed mid-save leaves no torn checkpoint."""
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def save_ckpt(
    path: Path, model: CausalSAM, opt, critic, copt, step: int, cfg: TrainConfig, rng
) -> None:
    save_atomic(
        {
            **resumable_state(model, opt, step, rng),
            "critic": critic.state_dict() if critic is not None else None,
            "copt": copt.state_dict() if copt is not None else None,
            "config": asdict(cfg),
        },
        path,
    )


def train(cfg: TrainConfig, log: Optional[list] = None) -> CausalSAM:
    """Run training; returns the (unwrapped) model. Resumable from ``out/last.pt``."""
    torch.set_num_threads(cfg.threads)
    if "WORLD_SIZE" in os.environ and int(os.environ["WORLD_SIZE"]) > 1 and not is_dist():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    device = torch.device(
        f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if torch.cuda.is_available() else "cpu"
    )
    seed = cfg.seed + 1000 * rank()
    torch.manual_seed(cfg.seed)  # identical initial weights on every rank
    rng = np.random.default_rng(seed)
    K = len(cfg.classes) + 1
    model = build_model(cfg.encoder, K, checkpoint=cfg.checkpoint)
    if cfg.init_onnx:
        from .modeling.onnx_import import state_dict_from_onnx

        model.load_state_dict(state_dict_from_onnx(cfg.init_onnx, model), strict=False)
    if cfg.init:
        sd = torch.load(cfg.init, map_location="cpu")
        sd = sd.get("model", sd)
        if cfg.init_encoder_only:
            sd = {k: v for k, v in sd.items() if k.startswith("image_encoder.")}
        model.load_state_dict(sd, strict=False)
    configure_trainable(model, cfg.train_encoder)
    model.mask_decoder.detach_intervention_inputs = cfg.intervention
    model.to(device)
    enc_params = [p for p in model.image_encoder.parameters() if p.requires_grad]
    own_rate = {"intervention_directions"} if cfg.intervention else set()
    other = [
        p
        for n, p in model.named_parameters()
        if p.requires_grad and not n.startswith("image_encoder.") and n not in own_rate
    ]
    # Base rates of the groups: the cosine schedule scales each one.
    groups = [{"params": other, "lr": cfg.lr, "base_lr": cfg.lr}]
    if enc_params:
        groups.append({"params": enc_params, "lr": cfg.encoder_lr, "base_lr": cfg.encoder_lr})
    if own_rate:
        # A few hundred numbers that start at zero and must reach FiLM scales of order 1 in a
        # few hundred steps: at the decoder's rate they stayed near norm 0.03 and barely moved
        # the output.
        rate = cfg.lr * cfg.direction_lr_factor
        directions = [model.intervention_directions]
        groups.append({"params": directions, "lr": rate, "base_lr": rate, "weight_decay": 0.0})
    opt = torch.optim.AdamW(groups, weight_decay=cfg.weight_decay)
    critic = copt = text_enc = None
    if cfg.lad:
        text_enc = HashingTextEncoder(256)
        fdim = model.mask_decoder.transformer_dim + model.mask_decoder.feature_dim
        critic = StyleCritic(fdim, text_enc.dim).to(device)
        copt = torch.optim.AdamW(critic.parameters(), lr=cfg.lr)
    out_dir = Path(cfg.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt = out_dir / "last.pt"
    start = 0
    if cfg.resume and ckpt.exists():
        st = torch.load(ckpt, map_location="cpu")
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        if critic is not None and st.get("critic"):
            critic.load_state_dict(st["critic"])
            copt.load_state_dict(st["copt"])  # type: ignore[union-attr]
        start = int(st["step"])
        rng.bit_generator.state = st["rng"]
        torch.set_rng_state(st["torch_rng"])
        if rank() == 0:
            print(f"resumed at step {start}", flush=True)
    net: torch.nn.Module = model
    if is_dist():
        net = torch.nn.parallel.DistributedDataParallel(
            model,
            device_ids=[device.index] if device.type == "cuda" else None,
            find_unused_parameters=True,
        )
    data = load_data(cfg, "train")
    maker = BatchMaker(data, cfg, K)
    cw = class_weights(data, K, cfg.class_weight_cap).to(device)
    sched_total = max(cfg.steps, 1)
    t0 = time.time()
    net.train()
    if not cfg.train_encoder:
        # A frozen encoder must not update its BatchNorm statistics either (TinyViT); the ViTs
        # have no BatchNorm or dropout, so for them this changes nothing.
        model.image_encoder.eval()
    for step in range(start, cfg.steps):
        lr_f = lr_factor(cfg.schedule, step, sched_total)
        for g in opt.param_groups:
            g["lr"] = g["base_lr"] * lr_f
        ramp = min(1.0, step / max(cfg.style_warmup * cfg.steps, 1.0))
        maker.style_prob = 0.9 * ramp
        batch = maker(rng)
        tb = {k: (v.to(device) if isinstance(v, torch.Tensor) else v) for k, v in batch.items()}
        out = net(
            tb["image"],
            tb["point_coords"],
            tb["point_labels"],
            tb["gate"],
            tb["iv_kind"],
            tb["iv_class"],
            tb["iv_active"],
        )
        parts = losses(out, tb, K, cw, cfg.rank_weight if cfg.intervention else 0.0)
        if cfg.lad and critic is not None and text_enc is not None:
            t = text_enc.encode(batch["texts"]).to(device)  # type: ignore[arg-type]
            f = pooled_features(out["adapted"], out["features"])
            adv = adversarial_loss(critic, f, t, cfg.lad_tau)
            parts["lad"] = cfg.lad_weight * adv["total"]
        loss = sum(parts.values())
        opt.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[union-attr]
        torch.nn.utils.clip_grad_norm_([p for g in groups for p in g["params"]], 1.0)
        opt.step()
        if cfg.lad and critic is not None:
            copt.zero_grad(set_to_none=True)  # type: ignore[union-attr]
            lc = critic_loss(critic, f, t, cfg.lad_tau)
            lc.backward()
            copt.step()  # type: ignore[union-attr]
            parts["critic"] = lc.detach()
        rec = {k: float(v) for k, v in parts.items()}
        rec["step"] = step + 1
        if log is not None:
            log.append(rec)
        if rank() == 0 and ((step + 1) % cfg.log_every == 0 or step == start):
            el = time.time() - t0
            print(
                f"step {step + 1}/{cfg.steps} "
                + " ".join(f"{k}={v:.3f}" for k, v in rec.items() if k != "step")
                + f" t={el:.0f}s",
                flush=True,
            )
            with open(out_dir / "log.jsonl", "a") as fh:
                fh.write(json.dumps(rec) + "\n")
        if rank() == 0 and ((step + 1) % cfg.ckpt_every == 0 or step + 1 == cfg.steps):
            save_ckpt(ckpt, model, opt, critic, copt, step + 1, cfg, rng)
        if rank() == 0 and cfg.snapshot_every and (step + 1) % cfg.snapshot_every == 0:
            snap = {"model": model.state_dict(), "config": asdict(cfg), "step": step + 1}
            save_atomic(snap, out_dir / f"step{step + 1:05d}.pt")
    if rank() == 0:
        torch.save({"model": model.state_dict(), "config": asdict(cfg)}, out_dir / "final.pt")
        (out_dir / "config.json").write_text(json.dumps(asdict(cfg), indent=1))
    return model


def parse_args(argv: Optional[Sequence[str]] = None) -> TrainConfig:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    d = TrainConfig()
    p.add_argument("--out", default=d.out)
    p.add_argument("--data", default=d.data, help="'demo' or an MSD/nnU-Net dataset folder")
    p.add_argument("--encoder", default=d.encoder, choices=sorted(ENCODERS))
    p.add_argument("--checkpoint", default=None, help="official SAM or MedSAM checkpoint (.pth)")
    p.add_argument("--init", default=None, help="our checkpoint to start from (final.pt/last.pt)")
    p.add_argument("--init-onnx", default=None, help="exported model folder to start from")
    p.add_argument(
        "--classes", default=",".join(d.classes), help="catalogue names, comma-separated"
    )
    p.add_argument("--spacing-mm", type=float, default=None, help="in-plane resampling (mm)")
    p.add_argument("--steps", type=int, default=d.steps)
    p.add_argument("--batch", type=int, default=d.batch)
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--encoder-lr", type=float, default=d.encoder_lr)
    p.add_argument("--train-encoder", action="store_true")
    p.add_argument("--no-style-aug", action="store_true")
    p.add_argument("--augment", default=d.augment, choices=("dg", "style"))
    p.add_argument("--aug-disable", default="", help="dg ingredients to leave out, comma-separated")
    p.add_argument("--planes", default=",".join(d.planes), help="demo data: axial,coronal,sagittal")
    p.add_argument("--schedule", default=d.schedule, choices=("onecycle", "cosine"))
    p.add_argument("--snapshot-every", type=int, default=0)
    p.add_argument("--lad", action="store_true")
    p.add_argument("--lad-weight", type=float, default=d.lad_weight)
    p.add_argument("--intervention", action="store_true")
    p.add_argument("--no-prompt", action="store_true")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--threads", type=int, default=d.threads)
    p.add_argument("--ckpt-every", type=int, default=d.ckpt_every)
    p.add_argument("--resume", action="store_true")
    a = p.parse_args(argv)
    return TrainConfig(
        out=a.out,
        data=a.data,
        encoder=a.encoder,
        checkpoint=a.checkpoint,
        init=a.init,
        init_onnx=a.init_onnx,
        classes=[c for c in a.classes.split(",") if c],
        spacing_mm=a.spacing_mm,
        steps=a.steps,
        batch=a.batch,
        lr=a.lr,
        encoder_lr=a.encoder_lr,
        train_encoder=a.train_encoder,
        style_aug=not a.no_style_aug,
        augment=a.augment,
        aug_disable=[x for x in a.aug_disable.split(",") if x],
        planes=[x for x in a.planes.split(",") if x],
        schedule=a.schedule,
        snapshot_every=a.snapshot_every,
        lad=a.lad,
        lad_weight=a.lad_weight,
        intervention=a.intervention,
        prompt=not a.no_prompt,
        seed=a.seed,
        threads=a.threads,
        ckpt_every=a.ckpt_every,
        resume=a.resume,
    )


def main(argv: Optional[Sequence[str]] = None) -> None:
    cfg = parse_args(argv)
    train(cfg)
    if is_dist():
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
