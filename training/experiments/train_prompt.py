"""Prompt stage: teach a trained Causal-SAM's promptable path, holding its class path fixed.

Usage (from the repository root; resumable, re-run the same command to continue)::

    /usr/bin/python3 -m training.experiments.train_prompt --init training/runs/demo_b/final.pt \\
        --out training/runs/demo_p --params prompt_only --steps 1000 --lr 2e-3 --resume

The image encoder is frozen, so its embeddings are computed once: for every training slice one
un-augmented copy plus ``copies - 1`` copies with the spatial and style augmentations of
``training.train`` (style probability 0.9, the end-of-ramp value). Each step then runs only the
prompt encoder and mask decoder:

* prompt loss (BCE + soft Dice, :func:`training.train.prompt_loss`) of ``prompt_logits`` for a
  random box or 1-2 positive + 0-1 negative points on a random labelled structure of the slice
  (all TotalSegmentator structures, :func:`training.train.sample_prompt`), with the point slots
  padded to a random N (as the app pads);
* distillation (``--params decoder`` only): with padding-only prompts (1-4 padding points, as the
  app sends for automatic segmentation), the student's per-pixel decoder features ``F`` and class
  tokens (which give the class hypernetwork weights ``w_k``) are held to the initial model's.
  Together with the frozen class hypernetwork, class bias and intervention directions these fix
  ``class_logits`` and every FiLM/gate intervention; the class logits are also held directly.

A prompt-only refinement head (:class:`training.modeling.prompt_head.PromptHead`, rasterised
box/points + decoder features) is added if the init has none. ``--params prompt_only`` (the
default) trains only what the class path never reads when every point is padding (that head, the
four point-type embeddings and the prompt mask's hypernetwork MLP), so class outputs stay
identical by construction. ``--params decoder`` also trains the two-way transformer, mask
tokens, padding embedding and output up-scaling, under the distillation loss.

Outputs in ``--out``: ``last.pt`` (resume state), ``final.pt`` (``{"model", "config"}`` with the
init's training config, so ``training.evaluate`` / ``training.export`` read it unchanged),
``log.jsonl`` and ``val.jsonl`` (box-prompt Dice and class-path drift on the validation split).
"""

import argparse
import copy
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from ..data.augment import StyleAugmenter, spatial
from ..data.preprocess import SliceSet
from ..evaluate import load_model, to_input
from ..metrics import dice
from ..modeling import CausalSAM
from ..modeling.prompt_head import PromptHead
from ..train import (
    NUM_POINTS,
    TrainConfig,
    load_data,
    prompt_loss,
    resumable_state,
    sample_prompt,
    save_atomic,
)

#: Parameter-name prefixes trained by each ``--params`` choice.
PARAM_SETS: Dict[str, Tuple[str, ...]] = {
    # Not read by the class path when every point is padding (label -1).
    "prompt_only": (
        "prompt_head.",
        "prompt_encoder.point_embeddings.",
        "mask_decoder.output_hypernetworks_mlps.0.",
    ),
    # Shared with the class path: needs the distillation loss.
    "decoder": (
        "prompt_head.",
        "prompt_encoder.point_embeddings.",
        "mask_decoder.output_hypernetworks_mlps.0.",
        "prompt_encoder.not_a_point_embed.",
        "mask_decoder.transformer.",
        "mask_decoder.mask_tokens.",
        "mask_decoder.output_upscaling.",
    ),
}


@dataclass
class PromptConfig:
    """Everything that defines a prompt-stage run (saved with its checkpoints)."""

    init: str = "training/runs/demo_b/final.pt"
    out: str = "training/runs/demo_p"
    data: str = "demo"  # "demo" or "synthetic" (tests)
    params: str = "prompt_only"  # key of PARAM_SETS
    copies: int = 8  # embeddings per training slice: 1 plain + copies - 1 augmented
    steps: int = 1200
    batch: int = 16  # prompt samples per step
    distill_batch: int = 8  # padding-only samples per step (decoder params only)
    distill_weight: float = 5.0
    head_embed: bool = False  # a new prompt head also reads the image embeddings
    lr: float = 5e-4
    weight_decay: float = 1e-4
    seed: int = 0
    threads: int = 1
    ckpt_every: int = 100
    log_every: int = 25
    val_every: int = 200
    resume: bool = False


@dataclass
class EmbeddingBank:
    """Frozen-encoder embeddings of (augmented) training slices.

    emb [M, C, h, w] float32; structures [M, S, S] int16 (after the same spatial transform);
    slice_index [M] int64 (row of the source :class:`SliceSet`).
    """

    emb: torch.Tensor
    structures: np.ndarray
    slice_index: np.ndarray

    def __len__(self) -> int:
        return int(self.emb.shape[0])


@torch.no_grad()
def encode_images(model: CausalSAM, images: np.ndarray, batch: int = 16) -> torch.Tensor:
    """[N, S, S] in [0, 1] -> frozen embeddings [N, C, h, w]."""
    model.eval()
    out = [model.encode(to_input(images[i : i + batch])) for i in range(0, len(images), batch)]
    return torch.cat(out)


def build_bank(model: CausalSAM, data: SliceSet, copies: int, seed: int) -> EmbeddingBank:
    """Encode every slice once as is and ``copies - 1`` times spatially + style augmented.

    Deterministic given ``seed``. Augmented copies use spatial transforms always and the style
    transforms with probability 0.9.
    """
    rng = np.random.default_rng(seed + 7919)
    aug = StyleAugmenter()
    imgs: List[np.ndarray] = []
    structs: List[np.ndarray] = []
    idx: List[int] = []
    for c in range(max(copies, 1)):
        for i in range(len(data)):
            img, s = data.images[i], data.structures[i]
            if c > 0:
                img, (s,) = spatial(img, [s], rng)
                if rng.random() < 0.9:
                    img, _ = aug(img, rng)
            imgs.append(np.clip(img, 0.0, 1.0).astype(np.float32))
            structs.append(s.astype(np.int16))
            idx.append(i)
    emb = encode_images(model, np.stack(imgs))
    return EmbeddingBank(emb, np.stack(structs), np.asarray(idx, np.int64))


def configure_prompt_trainable(model: CausalSAM, params: str) -> List[str]:
    """Freeze everything except the parameters of ``PARAM_SETS[params]``; returns their names."""
    prefixes = PARAM_SETS[params]
    names = []
    for n, p in model.named_parameters():
        p.requires_grad_(n.startswith(prefixes))
        if p.requires_grad:
            names.append(n)
    return names


def sample_batch(
    bank: EmbeddingBank, idx: np.ndarray, rng: np.random.Generator
) -> Dict[str, torch.Tensor]:
    """Prompts for bank rows ``idx`` [B].

    Returns emb [B, C, h, w], point_coords [B, N, 2], point_labels [B, N] (N random in
    [points used, NUM_POINTS]), prompt_target [B, 1, S, S] and prompt_valid [B].
    """
    pcs, pls, pts, pvs = [], [], [], []
    for i in idx:
        pc, pl, pt, pv = sample_prompt(bank.structures[i], rng)
        pcs.append(pc)
        pls.append(pl)
        pts.append(pt)
        pvs.append(pv)
    labels = np.stack(pls)
    used = int(max(1, ((labels >= 0).sum(1)).max()))
    n = int(rng.integers(used, NUM_POINTS + 1))
    return {
        "emb": bank.emb[torch.from_numpy(idx)],
        "point_coords": torch.from_numpy(np.stack(pcs)[:, :n]),
        "point_labels": torch.from_numpy(labels[:, :n]),
        "prompt_target": torch.from_numpy(np.stack(pts))[:, None],
        "prompt_valid": torch.tensor(pvs),
    }


def padding_prompt(b: int, n: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Padding-only prompt as the app sends for automatic segmentation: [b, n, 2], [b, n]."""
    return torch.zeros(b, n, 2), -torch.ones(b, n)


def class_path(model: CausalSAM, emb: torch.Tensor, n_pad: int) -> Dict[str, torch.Tensor]:
    """Decoder outputs with padding-only prompts: ``features`` [B, C8, 4h, 4w], ``class_tokens``
    [B, K, C], ``class_logits`` [B, K, S, S]."""
    pc, pl = padding_prompt(emb.shape[0], n_pad)
    return model.decode(emb, pc, pl)


def distill_loss(
    student: Dict[str, torch.Tensor], teacher: Dict[str, torch.Tensor]
) -> Dict[str, torch.Tensor]:
    """Relative MSE of features and class tokens, plus MSE of class logits (logit units)."""

    def rel(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(a, b) / b.pow(2).mean().clamp(min=1e-8)

    return {
        "feat": rel(student["features"], teacher["features"]),
        "tok": rel(student["class_tokens"], teacher["class_tokens"]),
        "logit": F.mse_loss(student["class_logits"], teacher["class_logits"]),
    }


@torch.no_grad()
def validate(
    model: CausalSAM,
    teacher: CausalSAM,
    emb: torch.Tensor,
    classes: np.ndarray,
    class_names: Sequence[str],
) -> Dict[str, float]:
    """Box-prompt Dice per class (tight box, as ``evaluate.evaluate_box_prompts``) and class-path
    drift against the teacher (max |Δ logit|, argmax agreement) with 1 and 4 padding points.

    emb [N, C, h, w] embeddings of the validation slices; classes [N, S, S] class maps.
    """
    model.eval()
    res: Dict[str, List[float]] = {}
    for i in range(len(classes)):
        for k, name in enumerate(class_names, start=1):
            m = classes[i] == k
            if m.sum() < 10:
                continue
            ys, xs = np.nonzero(m)
            pc = torch.tensor([[[xs.min(), ys.min()], [xs.max(), ys.max()]]], dtype=torch.float32)
            out = model.decode(emb[i : i + 1], pc, torch.tensor([[2.0, 3.0]]))
            res.setdefault(name, []).append(dice(out["prompt_logits"][0, 0].numpy() > 0, m))
    rec = {f"box_{k}": float(np.mean(v)) for k, v in res.items()}
    rec["box_mean"] = float(np.mean([np.mean(v) for v in res.values()])) if res else 0.0
    drift, agree = 0.0, 1.0
    for n_pad in (1, 4):
        a = class_path(model, emb, n_pad)["class_logits"]
        b = class_path(teacher, emb, n_pad)["class_logits"]
        drift = max(drift, float((a - b).abs().max()))
        agree = min(agree, float((a.argmax(1) == b.argmax(1)).float().mean()))
    rec["max_logit_drift"] = drift
    rec["argmax_agreement"] = agree
    return rec


def save_state(path: Path, model: CausalSAM, opt, step: int, cfg: PromptConfig, rng) -> None:
    save_atomic({**resumable_state(model, opt, step, rng), "prompt_config": asdict(cfg)}, path)


def train_prompt(cfg: PromptConfig, log: Optional[list] = None) -> CausalSAM:
    """Run the prompt stage; returns the model. Resumable from ``out/last.pt``."""
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    init = torch.load(cfg.init, map_location="cpu")
    train_cfg = dict(init.get("config", {}))
    known = {k: v for k, v in train_cfg.items() if k in TrainConfig.__dataclass_fields__}
    tcfg = TrainConfig(**known)
    tcfg.data = cfg.data
    model = load_model(cfg.init)
    teacher = copy.deepcopy(model).eval()
    teacher.requires_grad_(False)
    if model.prompt_head is None:  # seeded, zero last layer: starts as the init's prompt path
        md = model.mask_decoder
        emb_dim = md.transformer_dim if cfg.head_embed else 0
        model.prompt_head = PromptHead(md.feature_dim, model.img_size, embed_dim=emb_dim)
    names = configure_prompt_trainable(model, cfg.params)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    out_dir = Path(cfg.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt = out_dir / "last.pt"
    start = 0
    if cfg.resume and ckpt.exists():
        st = torch.load(ckpt, map_location="cpu")
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        start = int(st["step"])
        rng.bit_generator.state = st["rng"]
        torch.set_rng_state(st["torch_rng"])
        print(f"resumed at step {start}", flush=True)
    t0 = time.time()
    bank = build_bank(teacher, load_data(tcfg, "train"), cfg.copies, cfg.seed)
    val = load_data(tcfg, "val")
    val_emb = encode_images(teacher, val.images)
    print(
        f"{len(names)} trainable tensors ({sum(p.numel() for p in params)} values); "
        f"bank {len(bank)} embeddings in {time.time() - t0:.0f}s",
        flush=True,
    )
    has = np.array([(s > 0).any() for s in bank.structures])
    w = has / max(has.sum(), 1)
    distill = cfg.params != "prompt_only" and cfg.distill_weight > 0
    t0 = time.time()
    model.train()
    for step in range(start, cfg.steps):
        # Linear warm-up over the first 5 % (Adam's first steps would otherwise jolt the shared
        # weights away from the class path), then cosine decay to 5 %.
        warm = min(1.0, (step + 1) / max(0.05 * cfg.steps, 1.0))
        lr_f = 0.5 * (1 + np.cos(np.pi * step / max(cfg.steps, 1)))
        for g in opt.param_groups:
            g["lr"] = cfg.lr * warm * max(lr_f, 0.05)
        idx = rng.choice(len(bank), size=cfg.batch, p=w)
        b = sample_batch(bank, idx, rng)
        out = model.decode(b["emb"], b["point_coords"], b["point_labels"])
        v = b["prompt_valid"] > 0
        parts: Dict[str, torch.Tensor] = {}
        if v.any():
            parts["prompt"] = prompt_loss(out["prompt_logits"][v], b["prompt_target"][v])
        if distill:
            didx = torch.from_numpy(rng.choice(len(bank), size=cfg.distill_batch))
            n_pad = int(rng.integers(1, NUM_POINTS + 1))
            with torch.no_grad():
                t_out = class_path(teacher, bank.emb[didx], n_pad)
            d = distill_loss(class_path(model, bank.emb[didx], n_pad), t_out)
            parts.update({k: cfg.distill_weight * x for k, x in d.items()})
        if parts:  # (a batch without a usable structure only advances the step)
            loss = sum(parts.values())
            opt.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[union-attr]
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
        rec: Dict[str, float] = {k: float(x) for k, x in parts.items()}
        rec["step"] = step + 1
        if log is not None:
            log.append(rec)
        if (step + 1) % cfg.log_every == 0 or step == start:
            print(
                f"step {step + 1}/{cfg.steps} "
                + " ".join(f"{k}={x:.4f}" for k, x in rec.items() if k != "step")
                + f" t={time.time() - t0:.0f}s",
                flush=True,
            )
            with open(out_dir / "log.jsonl", "a") as fh:
                fh.write(json.dumps(rec) + "\n")
        if (step + 1) % cfg.val_every == 0 or step + 1 == cfg.steps:
            names_k = list(tcfg.classes)
            vr = validate(model, teacher, val_emb, val.classes, names_k)
            vr["step"] = step + 1
            model.train()
            print("val " + json.dumps({k: round(x, 4) for k, x in vr.items()}), flush=True)
            with open(out_dir / "val.jsonl", "a") as fh:
                fh.write(json.dumps(vr) + "\n")
        if (step + 1) % cfg.ckpt_every == 0 or step + 1 == cfg.steps:
            save_state(ckpt, model, opt, step + 1, cfg, rng)
    model.eval()
    torch.save(
        {"model": model.state_dict(), "config": train_cfg, "prompt_config": asdict(cfg)},
        out_dir / "final.pt",
    )
    (out_dir / "config.json").write_text(json.dumps(asdict(cfg), indent=1))
    return model


def parse_args(argv: Optional[Sequence[str]] = None) -> PromptConfig:
    d = PromptConfig()
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--init", default=d.init, help="checkpoint to start from (final.pt)")
    p.add_argument("--out", default=d.out)
    p.add_argument("--data", default=d.data, help="'demo' or 'synthetic'")
    p.add_argument("--params", default=d.params, choices=sorted(PARAM_SETS))
    p.add_argument("--copies", type=int, default=d.copies)
    p.add_argument("--steps", type=int, default=d.steps)
    p.add_argument("--batch", type=int, default=d.batch)
    p.add_argument("--distill-batch", type=int, default=d.distill_batch)
    p.add_argument("--distill-weight", type=float, default=d.distill_weight)
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument(
        "--head-embed", action="store_true", help="new prompt head also reads the embeddings"
    )
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--threads", type=int, default=d.threads)
    p.add_argument("--ckpt-every", type=int, default=d.ckpt_every)
    p.add_argument("--val-every", type=int, default=d.val_every)
    p.add_argument("--resume", action="store_true")
    a = p.parse_args(argv)
    return PromptConfig(
        init=a.init,
        out=a.out,
        data=a.data,
        params=a.params,
        copies=a.copies,
        steps=a.steps,
        batch=a.batch,
        distill_batch=a.distill_batch,
        distill_weight=a.distill_weight,
        lr=a.lr,
        head_embed=a.head_embed,
        seed=a.seed,
        threads=a.threads,
        ckpt_every=a.ckpt_every,
        val_every=a.val_every,
        resume=a.resume,
    )


def main(argv: Optional[Sequence[str]] = None) -> None:
    train_prompt(parse_args(argv))


if __name__ == "__main__":
    main()
