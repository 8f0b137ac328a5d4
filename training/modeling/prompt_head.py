"""Prompt-only refinement head: rasterised prompts + decoder features -> prompt-mask logits.

SAM's promptable mask is ``<w_prompt, F>``: one hypernetwork vector over the per-pixel decoder
features ``F`` [B, C8, 4h, 4w], so all localisation must come from the transformer's attention
to the prompt tokens. A decoder trained from scratch on CPU (the demo) never learned that. This
head adds the prompt's geometry explicitly, on the prompt path only::

    maps  = [inside box, box ellipse prior, positive points, negative points]   [B, 4, 4h, 4w]
    E     = up4(conv1x1(adapted embeddings))        (optional, ``embed_dim`` > 0)  [B, C8, 4h, 4w]
    prompt_logits = base + net(concat(F, E, base, maps))                         [B, 1, 4h, 4w]

with ``base`` the SAM prompt logits. ``E`` gives the head the encoder's general image features,
not only the decoder features ``F`` that were trained for the K classes. The maps are computed
from ``point_coords``/``point_labels`` with arithmetic and comparisons only (ONNX-exportable,
no boolean indexing). Nothing here is read by ``class_logits``, so adding or training the head
leaves automatic segmentation and interventions unchanged. The last convolution is
zero-initialised: a fresh head is the identity on the SAM prompt logits (official SAM/MedSAM
behaviour is kept until it is trained).
"""

from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

#: Rasterised prompt channels (see :meth:`PromptHead.prompt_maps`).
NUM_PROMPT_MAPS = 4


class PromptHead(nn.Module):
    """Small dilated CNN on decoder features, SAM prompt logits and rasterised prompts."""

    def __init__(
        self,
        feature_dim: int,
        input_size: int,
        hidden: int = 32,
        sigma_px: float = 4.0,
        embed_dim: int = 0,
    ) -> None:
        """
        Args:
            feature_dim: C8, channels of the decoder's per-pixel features.
            input_size: S, the model's input size in pixels (prompt coordinates are in it).
            embed_dim: C, channels of the (adapted) image embeddings to read through a 1x1
                projection to C8 channels; 0 = do not read them.
            hidden: channels of the hidden convolutions.
            sigma_px: Gaussian radius (input pixels) of a rasterised point.
        """
        super().__init__()
        self.input_size = input_size
        self.sigma_px = sigma_px
        c = feature_dim + 1 + NUM_PROMPT_MAPS
        self.embed_proj = None
        if embed_dim > 0:
            self.embed_proj = nn.Conv2d(embed_dim, feature_dim, 1)
            c += feature_dim
        self.net = nn.Sequential(
            nn.Conv2d(c, hidden, 3, padding=1),
            nn.GELU(),
            nn.Conv2d(hidden, hidden, 3, padding=2, dilation=2),
            nn.GELU(),
            nn.Conv2d(hidden, hidden, 3, padding=4, dilation=4),
            nn.GELU(),
            nn.Conv2d(hidden, 1, 1),
        )
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def prompt_maps(self, coords: torch.Tensor, labels: torch.Tensor, size: int) -> torch.Tensor:
        """Rasterise prompts on a ``size`` x ``size`` grid covering the S x S input.

        Args:
            coords: [B, N, 2] (x, y) input pixels; labels: [B, N] (-1 pad, 0 neg, 1 pos,
                2/3 box corners).

        Returns:
            [B, 4, size, size]: inside the box (0/1), the box's inscribed-ellipse prior
            (1 at the centre, 0 on the ellipse, clipped at -1 outside), the sum of Gaussian bumps
            at positive points and at negative points (each clipped to 1). Zero where absent.
        """
        dt = coords.dtype
        step = self.input_size / size
        g = (torch.arange(size, device=coords.device, dtype=dt) + 0.5) * step - 0.5
        gx = g.view(1, 1, size)  # [1, 1, size]
        gy = g.view(1, size, 1)
        x, y = coords[..., 0], coords[..., 1]  # [B, N]
        tl = (labels == 2).to(dt)
        br = (labels == 3).to(dt)
        has_box = tl.sum(1).clamp(max=1.0).view(-1, 1, 1)  # [B, 1, 1]
        x0 = (x * tl).sum(1).view(-1, 1, 1)
        y0 = (y * tl).sum(1).view(-1, 1, 1)
        x1 = (x * br).sum(1).view(-1, 1, 1)
        y1 = (y * br).sum(1).view(-1, 1, 1)
        inside = (
            (gx >= x0 - 0.5).to(dt)
            * (gx <= x1 + 0.5).to(dt)
            * (gy >= y0 - 0.5).to(dt)
            * (gy <= y1 + 0.5).to(dt)
        )
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        rx, ry = ((x1 - x0) / 2 + 0.5).clamp(min=1.0), ((y1 - y0) / 2 + 0.5).clamp(min=1.0)
        ellipse = (1 - ((gx - cx) / rx) ** 2 - ((gy - cy) / ry) ** 2).clamp(min=-1.0)
        d2 = (gx.unsqueeze(1) - x[:, :, None, None]) ** 2 + (
            gy.unsqueeze(1) - y[:, :, None, None]
        ) ** 2  # [B, N, size, size]
        bump = torch.exp(-d2 / (2 * self.sigma_px**2))
        pos = (bump * (labels == 1).to(dt)[:, :, None, None]).sum(1).clamp(max=1.0)
        neg = (bump * (labels == 0).to(dt)[:, :, None, None]).sum(1).clamp(max=1.0)
        return torch.stack([inside * has_box, ellipse * has_box, pos, neg], dim=1)

    def forward(
        self,
        features: torch.Tensor,
        base_logits: torch.Tensor,
        coords: torch.Tensor,
        labels: torch.Tensor,
        embeddings: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """features [B, C8, H, W], base_logits [B, 1, H, W], coords [B, N, 2], labels [B, N],
        embeddings [B, C, h, w] (read only with ``embed_dim`` > 0) -> refined prompt logits
        [B, 1, H, W] (= base_logits while the head is untrained)."""
        H = features.shape[-1]
        maps = self.prompt_maps(coords, labels, H)
        parts = [features]
        if self.embed_proj is not None:
            if embeddings is None:
                raise ValueError("this prompt head reads the image embeddings")
            e = self.embed_proj(embeddings)
            parts.append(F.interpolate(e, size=(H, H), mode="bilinear", align_corners=False))
        x = torch.cat(parts + [base_logits, maps], dim=1)
        return base_logits + self.net(x)
