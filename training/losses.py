"""Training losses: segmentation (class-weighted cross-entropy + soft Dice), the intervention
loss inside gates with the selectivity ranking loss, and the prompt loss."""

from typing import Dict, Optional

import numpy as np
import torch
import torch.nn.functional as F

from .data.preprocess import SliceSet


def soft_dice_loss(logits: torch.Tensor, target: torch.Tensor, K: int) -> torch.Tensor:
    """Multi-class soft Dice over foreground classes present in the batch."""
    p = logits.softmax(1)[:, 1:]
    t = F.one_hot(target, K).permute(0, 3, 1, 2).float()[:, 1:]
    inter = (p * t).sum((0, 2, 3))
    den = p.sum((0, 2, 3)) + t.sum((0, 2, 3))
    present = t.sum((0, 2, 3)) > 0
    d = 1 - (2 * inter + 1) / (den + 1)
    return d[present].mean() if present.any() else d.sum() * 0


def selectivity_rank_loss(
    delta: torch.Tensor,
    target: torch.Tensor,
    gate: torch.Tensor,
    kind: torch.Tensor,
    cls: torch.Tensor,
    pairs: int = 128,
    margin: float = 1.0,
) -> Optional[torch.Tensor]:
    """Ranking loss that makes a learned direction selective (issue 15, item 4).

    Inside the gate, the pixels the reference says should flip (for ``grow`` of class k: the
    organ's pixels; for ``shrink``: the others) must get a larger move of class k's logit in the
    commanded direction than the pixels that should stay, so that at moderate strength the
    voxels the image supports flip first. Pairwise logistic loss over up to ``pairs`` random
    pixels of each set per sample.

    Args:
        delta: [n, K, S, S] what the intervention added to the class logits.
        target: [n, S, S] reference classes; gate: [n, S, S] bool; kind: [n] (0 grow, 1 shrink);
        cls: [n] class index k.

    Returns:
        the mean loss over samples that have pixels of both sets, or None when none has.
    """
    out = []
    for i in range(delta.shape[0]):
        k = int(cls[i])
        sign = 1.0 if int(kind[i]) == 0 else -1.0
        move = sign * delta[i, k]
        organ = target[i] == k
        should = gate[i] & (organ if sign > 0 else ~organ)
        stay = gate[i] & ~should
        pos, neg = move[should], move[stay]
        if pos.numel() == 0 or neg.numel() == 0:
            continue
        pos = pos[torch.randint(pos.numel(), (min(pairs, pos.numel()),))]
        neg = neg[torch.randint(neg.numel(), (min(pairs, neg.numel()),))]
        out.append(F.softplus(margin - (pos[:, None] - neg[None, :])).mean())
    return torch.stack(out).mean() if out else None


def class_weights(data: SliceSet, K: int, cap: float) -> torch.Tensor:
    """Cross-entropy weights ~ 1/sqrt(pixel frequency), background 1, capped at ``cap``."""
    cnt = np.bincount(data.classes.ravel(), minlength=K).astype(np.float64)
    w = 1.0 / np.sqrt(cnt / cnt.sum() + 1e-4)
    return torch.tensor(np.minimum(w / w[0], cap), dtype=torch.float32)


def prompt_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """BCE + soft Dice of a promptable mask: logits and target [B, 1, S, S] -> scalar."""
    p = logits.sigmoid()
    dl = 1 - (2 * (p * target).sum((1, 2, 3)) + 1) / (p.sum((1, 2, 3)) + target.sum((1, 2, 3)) + 1)
    return F.binary_cross_entropy_with_logits(logits, target) + dl.mean()


def losses(
    out: Dict[str, torch.Tensor],
    batch: Dict[str, torch.Tensor],
    K: int,
    weight: Optional[torch.Tensor] = None,
    rank_weight: float = 0.0,
) -> Dict[str, torch.Tensor]:
    """Segmentation (clean samples), intervention (inside gates, + the selectivity ranking loss
    with ``rank_weight``) and prompt losses."""
    logits, target = out["class_logits"], batch["classes"]
    active = batch["iv_active"] > 0
    res: Dict[str, torch.Tensor] = {}
    clean = ~active
    if clean.any():
        res["seg"] = F.cross_entropy(logits[clean], target[clean], weight=weight) + soft_dice_loss(
            logits[clean], target[clean], K
        )
    if active.any():
        # The base prediction on a corrupted image is held fixed: only the intervention can
        # fix the error, so its learned direction has to point the way the command asks
        # (trained jointly, the decoder learnt to undo the corruption itself and the `shrink`
        # directions ended up raising the logits they should lower). With
        # ``detach_intervention_inputs`` this trains the directions alone.
        delta = out["intervention_delta"][active]
        iv_logits = (logits[active] - delta).detach() + delta
        g = batch["gate"][active, 0] > 0.5
        ce = F.cross_entropy(iv_logits, target[active], weight=weight, reduction="none")
        res["iv"] = (ce * g).sum() / g.sum().clamp(min=1)
        if rank_weight > 0:
            rank = selectivity_rank_loss(
                delta, target[active], g, batch["iv_kind"][active], batch["iv_class"][active]
            )
            if rank is not None:
                res["rank"] = rank_weight * rank
    v = batch["prompt_valid"] > 0
    if v.any():
        res["prompt"] = prompt_loss(out["prompt_logits"][v], batch["prompt_target"][v])
    return res
