"""Self-supervised encoder pre-training by masked image modelling (SimMIM-style).

Half of the patch tokens are replaced by a learned mask token before the transformer blocks;
a 1x1 convolution on the neck output predicts each masked patch's pixels (L1 loss on masked
patches only). Images only: the CT training slices and the unlabelled MR images of
``../shared/data`` (FLAIR, T1, the vestibular-schwannoma DICOM slab, breast MR), with style
augmentation. No labels are read.

Usage::

    /usr/bin/python3 -m training.pretrain_mae --out training/runs/mae --steps 400
"""

import argparse
import time
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .data.augment import StyleAugmenter, spatial
from .data.demo import DATA_ROOT, load_demo_split
from .data.io import read_volume
from .data.preprocess import INPUT_SIZE, pad_crop, volume_to_slices
from .modeling import build_model
from .modeling.image_encoder import ImageEncoderViT

MR_IMAGES = (
    "niivue/FLAIR.nii.gz",
    "niivue-onnx/t1_crop.nii.gz",
    "niivue/vs_seg_001_t1c_dicom",
    "pyradiomics/breast1_image.nrrd",
)


class MaskedImageModel(nn.Module):
    """Encoder + mask token + pixel head: image [B, 3, S, S] -> reconstruction [B, 1, S, S]."""

    def __init__(self, encoder: ImageEncoderViT) -> None:
        super().__init__()
        self.encoder = encoder
        self.mask_token = nn.Parameter(torch.zeros(1, 1, 1, encoder.embed_dim))
        p = encoder.patch_size
        self.head = nn.Conv2d(encoder.out_chans, p * p, kernel_size=1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``mask`` [B, h, w] bool (True = hidden) -> reconstruction [B, 1, S, S]."""
        e = self.encoder
        t = e.patch_embed(x)
        t = torch.where(mask[..., None], self.mask_token.expand_as(t), t)
        if e.pos_embed is not None:
            t = t + e.pos_embed
        for blk in e.blocks:
            t = blk(t)
        y = self.head(e.neck(t.permute(0, 3, 1, 2)))  # [B, p*p, h, w]
        return F.pixel_shuffle(y, e.patch_size)


def unlabelled_slices(size: int = INPUT_SIZE) -> np.ndarray:
    """CT training slices + MR slices (every 2nd slice with some signal), [N, S, S]."""
    ct = load_demo_split("train").images
    sets: List[np.ndarray] = [np.stack([pad_crop(im, size) for im in ct])]
    for rel in MR_IMAGES:
        path = DATA_ROOT / rel
        if not path.exists():
            continue
        v = read_volume(str(path), "MR")
        s = volume_to_slices(v, None, {}, [], {}, size=size)
        keep = s.images.reshape(len(s), -1).mean(1) > 0.05
        sets.append(s.images[keep][::2])
    return np.concatenate(sets).astype(np.float32)


def pretrain(
    out: str,
    steps: int,
    batch: int = 8,
    lr: float = 1e-3,
    seed: int = 0,
    encoder: str = "demo",
    resume: bool = True,
) -> Path:
    """Train and save ``out/final.pt`` (a CausalSAM state dict with the pre-trained encoder)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = build_model(encoder, 2)
    if not isinstance(model.image_encoder, ImageEncoderViT):
        raise ValueError(f"masked-image pre-training needs a ViT encoder (patch tokens): {encoder}")
    mim = MaskedImageModel(model.image_encoder)
    opt = torch.optim.AdamW(mim.parameters(), lr=lr, weight_decay=0.05)
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt = out_dir / "last.pt"
    start = 0
    if resume and ckpt.exists():
        st = torch.load(ckpt)
        mim.load_state_dict(st["mim"])
        opt.load_state_dict(st["opt"])
        start = st["step"]
        rng.bit_generator.state = st["rng"]
    data = unlabelled_slices(model.img_size)
    aug = StyleAugmenter()
    h = model.img_size // model.image_encoder.patch_size
    t0 = time.time()
    for step in range(start, steps):
        for g in opt.param_groups:
            g["lr"] = lr * max(0.5 * (1 + np.cos(np.pi * step / steps)), 0.05)
        idx = rng.integers(len(data), size=batch)
        imgs = []
        for i in idx:
            im, _ = spatial(data[i], [], rng)
            im, _ = aug(im, rng)
            imgs.append(im)
        x1 = torch.from_numpy(np.stack(imgs))[:, None]
        x = x1.expand(-1, 3, -1, -1)
        mask = torch.from_numpy(rng.random((batch, h, h)) < 0.5)
        xn = (x * 255.0 - model.pixel_mean) / model.pixel_std
        rec = mim(xn, mask)
        pix_mask = mask.repeat_interleave(model.image_encoder.patch_size, 1).repeat_interleave(
            model.image_encoder.patch_size, 2
        )[:, None]
        loss = ((rec - x1).abs() * pix_mask).sum() / pix_mask.sum().clamp(min=1)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (step + 1) % 25 == 0:
            print(
                f"mim step {step + 1}/{steps} l1={float(loss):.4f} t={time.time() - t0:.0f}s",
                flush=True,
            )
        if (step + 1) % 50 == 0 or step + 1 == steps:
            torch.save(
                {
                    "mim": mim.state_dict(),
                    "opt": opt.state_dict(),
                    "step": step + 1,
                    "rng": rng.bit_generator.state,
                },
                ckpt,
            )
    final = out_dir / "final.pt"
    enc_sd = {"image_encoder." + k: v for k, v in model.image_encoder.state_dict().items()}
    torch.save({"model": enc_sd, "config": {"encoder": encoder, "pretrain": "masked image"}}, final)
    return final


def main(argv: Optional[Sequence[str]] = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default="training/runs/mae")
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    print(pretrain(a.out, a.steps, a.batch, a.lr))


if __name__ == "__main__":
    main()
