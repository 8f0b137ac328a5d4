"""Training batches: slices drawn by weight, spatial and style augmentation (or the DG recipe),
a random prompt on a random labelled structure, style descriptions for LAD, simulated errors for
intervention training."""

from typing import TYPE_CHECKING, Dict, Tuple

import numpy as np
import torch

from .data.augment import StyleAugmenter, spatial
from .data.dg_augment import DGAugmenter
from .data.preprocess import SliceSet
from .intervention import simulate_error
from .lad import StyleDescriber

if TYPE_CHECKING:  # the config is defined with the training loop, which imports this module
    from .train import TrainConfig

NUM_POINTS = 4


def sample_prompt(
    structs: np.ndarray, rng: np.random.Generator, num_points: int = NUM_POINTS
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """A random prompt on a random labelled structure of one slice.

    Args:
        structs: [S, S] structure ids (0 = unlabelled); structures under 8 pixels are skipped.
        rng: the generator (the only source of randomness).
        num_points: N, the number of point slots (unused slots are padding, label -1).

    Returns:
        coords [N, 2] float32 (x, y) pixels, labels [N] float32 (a box as corners 2/3 with
        +-3 px jitter, or 1-2 positive + 0-1 negative points), target [S, S] float32 {0, 1}
        and valid (0.0 when the slice has no structure).
    """
    S = structs.shape[0]
    coords = np.zeros((num_points, 2), np.float32)
    labels = -np.ones(num_points, np.float32)
    ids, counts = np.unique(structs[structs > 0], return_counts=True)
    ids = ids[counts >= 8]
    if len(ids) == 0:
        return coords, labels, np.zeros((S, S), np.float32), 0.0
    target = structs == rng.choice(ids)
    ys, xs = np.nonzero(target)
    if rng.random() < 0.5:
        j = rng.integers(-3, 4, 4)
        coords[0] = [max(xs.min() + j[0], 0), max(ys.min() + j[1], 0)]
        coords[1] = [min(xs.max() + j[2], S - 1), min(ys.max() + j[3], S - 1)]
        labels[:2] = [2, 3]
    else:
        npos = int(rng.integers(1, 3))
        for n in range(npos):
            i = rng.integers(len(ys))
            coords[n] = [xs[i], ys[i]]
            labels[n] = 1
        by, bx = np.nonzero(~target)
        for n in range(npos, npos + int(rng.integers(0, 2))):
            i = rng.integers(len(by))
            coords[n] = [bx[i], by[i]]
            labels[n] = 0
    return coords, labels, target.astype(np.float32), 1.0


class BatchMaker:
    """Samples training batches: spatial + style augmentation, prompts, descriptions, errors."""

    def __init__(self, data: SliceSet, cfg: "TrainConfig", num_classes: int) -> None:
        self.data = data
        self.cfg = cfg
        self.K = num_classes
        has_organ = (data.classes.reshape(len(data), -1) > 0).any(1)
        w = np.where(has_organ, 4.0, 1.0)
        self.weights = w / w.sum()
        self.aug = StyleAugmenter()
        self.dg = DGAugmenter(disabled=cfg.aug_disable) if cfg.augment == "dg" else None
        self.describer = StyleDescriber()
        self.style_prob = 0.9

    def prompt(self, structs: np.ndarray, rng: np.random.Generator):
        """Random structure of this slice -> (coords [N, 2], labels [N], target [S, S], valid)."""
        return sample_prompt(structs, rng)

    def __call__(self, rng: np.random.Generator) -> Dict[str, torch.Tensor]:
        cfg = self.cfg
        idx = rng.choice(len(self.data), size=cfg.batch, p=self.weights)
        imgs, cls, coords, plabels, ptargets, pvalid, texts = [], [], [], [], [], [], []
        gates, kinds, ivcls, active = [], [], [], []
        S = self.data.images.shape[-1]
        n_iv = int(round(cfg.batch * cfg.intervention_fraction)) if cfg.intervention else 0
        for b, i in enumerate(idx):
            img, (c, s) = spatial(
                self.data.images[i], [self.data.classes[i], self.data.structures[i]], rng
            )
            records: list = []
            if cfg.style_aug and self.dg is not None:
                img, records = self.dg(img, rng, c)
            elif cfg.style_aug and rng.random() < self.style_prob:
                img, records = self.aug(img, rng)
            gate = np.ones((S, S), np.float32)
            kind, k, act = 0, 0, 0.0
            if b >= cfg.batch - n_iv:
                err = simulate_error(img, c, rng)
                if err is not None:
                    img, gate, kind, k, act = err.image, err.gate, err.kind, err.cls, 1.0
            if cfg.lad:
                texts.append(self.describer.describe(img, self.data.meta[i], records))
            pc, pl, pt, pv = self.prompt(s, rng)
            imgs.append(img)
            cls.append(c.astype(np.int64))
            coords.append(pc)
            plabels.append(pl)
            ptargets.append(pt)
            pvalid.append(pv)
            gates.append(gate)
            kinds.append(kind)
            ivcls.append(k)
            active.append(act)
        image = torch.from_numpy(np.stack(imgs))[:, None].expand(-1, 3, -1, -1).contiguous()
        gate_t = torch.from_numpy(np.stack(gates))[:, None].expand(-1, self.K, -1, -1).contiguous()
        return {
            "image": image,
            "classes": torch.from_numpy(np.stack(cls)),
            "point_coords": torch.from_numpy(np.stack(coords)),
            "point_labels": torch.from_numpy(np.stack(plabels)),
            "prompt_target": torch.from_numpy(np.stack(ptargets))[:, None],
            "prompt_valid": torch.tensor(pvalid),
            "gate": gate_t,
            "iv_kind": torch.tensor(kinds),
            "iv_class": torch.tensor(ivcls),
            "iv_active": torch.tensor(active),
            "texts": texts,  # type: ignore[dict-item]
        }
