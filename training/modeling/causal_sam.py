"""Causal-SAM: frozen SAM-family encoder + adapter + prompt encoder + class/prompt decoder."""

from typing import Dict, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from .adapter import ConvAdapter
from .image_encoder import ImageEncoderViT
from .mask_decoder import MaskDecoder, resize_gate
from .prompt_encoder import PromptEncoder
from .prompt_head import PromptHead
from .tiny_vit import TinyViT

#: Intervention types with learned FiLM directions (index into ``intervention_directions``).
INTERVENTION_TYPES: Tuple[str, ...] = ("grow", "shrink")

#: Encoders CausalSAM takes: both have ``img_size``, ``patch_size`` (total stride) and
#: ``out_chans`` and map [B, 3, S, S] -> [B, out_chans, S/patch_size, S/patch_size].
ImageEncoder = Union[ImageEncoderViT, TinyViT]


class CausalSAM(nn.Module):
    """Whole model. Images are [B, 3, S, S] float in [0, 1] (grey replicated to 3 channels)."""

    def __init__(
        self,
        image_encoder: ImageEncoder,
        prompt_encoder: PromptEncoder,
        mask_decoder: MaskDecoder,
        adapter: Optional[ConvAdapter] = None,
        prompt_head: Optional[PromptHead] = None,
        pixel_mean: Tuple[float, float, float] = (123.675, 116.28, 103.53),
        pixel_std: Tuple[float, float, float] = (58.395, 57.12, 57.375),
    ) -> None:
        super().__init__()
        self.image_encoder = image_encoder
        self.prompt_encoder = prompt_encoder
        self.mask_decoder = mask_decoder
        self.adapter = adapter if adapter is not None else nn.Identity()
        # Optional prompt-only refinement (rasterised prompts); never read by class_logits.
        self.prompt_head = prompt_head
        self.register_buffer("pixel_mean", torch.tensor(pixel_mean).view(1, 3, 1, 1), False)
        self.register_buffer("pixel_std", torch.tensor(pixel_std).view(1, 3, 1, 1), False)
        K, C8 = mask_decoder.num_classes, mask_decoder.feature_dim
        # [type, class, (scale-1, shift), C8]: learned TCI directions, exported in the manifest.
        self.intervention_directions = nn.Parameter(torch.zeros(len(INTERVENTION_TYPES), K, 2, C8))

    @property
    def img_size(self) -> int:
        return self.image_encoder.img_size

    @property
    def num_classes(self) -> int:
        return self.mask_decoder.num_classes

    def encode(self, image: torch.Tensor) -> torch.Tensor:
        """Image [B, 3, S, S] in [0, 1] -> embeddings [B, C, h, w] (SAM pixel normalisation)."""
        x = (image * 255.0 - self.pixel_mean) / self.pixel_std
        return self.image_encoder(x)

    def decode(
        self,
        embeddings: torch.Tensor,
        point_coords: torch.Tensor,
        point_labels: torch.Tensor,
        film_scale: Optional[torch.Tensor] = None,
        film_shift: Optional[torch.Tensor] = None,
        gate: Optional[torch.Tensor] = None,
    ) -> Dict[str, torch.Tensor]:
        """Embeddings [B, C, h, w] + prompts -> logits at the input resolution.

        Args:
            point_coords: [B, N, 2] pixel (x, y) in the S x S input; point_labels [B, N].
            film_scale, film_shift: [B, K, C8]; gate: [B, K, S, S].

        Returns a dict with ``class_logits`` [B, K, S, S], ``intervention_delta`` [B, K, S, S]
        (the part of ``class_logits`` the FiLM/gate inputs added), ``prompt_logits`` [B, 1, S, S],
        ``adapted`` [B, C, h, w] (adapter output, used by LAD), ``class_tokens`` [B, K, C].
        """
        adapted = self.adapter(embeddings)
        if gate is not None:
            grid = self.img_size // self.image_encoder.patch_size
            gate = resize_gate(gate, self.img_size // (4 * grid))
        sparse, dense = self.prompt_encoder(point_coords, point_labels)
        out = self.mask_decoder(
            adapted,
            self.prompt_encoder.get_dense_pe(),
            sparse,
            dense,
            film_scale=film_scale,
            film_shift=film_shift,
            gate=gate,
        )
        if self.prompt_head is not None:
            out["prompt_logits"] = self.prompt_head(
                out["features"], out["prompt_logits"], point_coords, point_labels, adapted
            )
        S = self.img_size
        for key in ("class_logits", "intervention_delta"):
            out[key] = F.interpolate(out[key], size=(S, S), mode="bilinear", align_corners=False)
        out["prompt_logits"] = F.interpolate(
            out["prompt_logits"], size=(S, S), mode="bilinear", align_corners=False
        )
        out["adapted"] = adapted
        return out

    def forward(
        self,
        image: torch.Tensor,
        point_coords: torch.Tensor,
        point_labels: torch.Tensor,
        gate: Optional[torch.Tensor] = None,
        iv_kind: Optional[torch.Tensor] = None,
        iv_class: Optional[torch.Tensor] = None,
        iv_active: Optional[torch.Tensor] = None,
    ) -> Dict[str, torch.Tensor]:
        """Training forward: encode (no gradient when the encoder is frozen) and decode.

        Interventions are given by learned direction: ``iv_kind``/``iv_class`` [B] long and
        ``iv_active`` [B] float (0 = no intervention for that sample), with ``gate`` [B, K, S, S].
        """
        frozen = not any(p.requires_grad for p in self.image_encoder.parameters())
        with torch.set_grad_enabled(torch.is_grad_enabled() and not frozen):
            emb = self.encode(image)
        scale = shift = None
        if iv_kind is not None and iv_class is not None:
            scale, shift = self.intervention_film(iv_kind, iv_class, iv_active)
        return self.decode(emb, point_coords, point_labels, scale, shift, gate)

    def intervention_film(
        self, kind: torch.Tensor, cls: torch.Tensor, strength: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """FiLM tensors for one intervention per sample.

        Args:
            kind: [B] long, index into :data:`INTERVENTION_TYPES`; cls: [B] long class index.
            strength: [B] float (1 = as trained), default 1.

        Returns film_scale, film_shift [B, K, C8]: neutral for every class except ``cls``.
        """
        B = kind.shape[0]
        K = self.num_classes
        if strength is None:
            strength = torch.ones(B, device=kind.device)
        d = self.intervention_directions[kind, cls]  # [B, 2, C8]
        onehot = F.one_hot(cls, K).to(d.dtype)[:, :, None]  # [B, K, 1]
        scale = 1.0 + onehot * (strength[:, None, None] * d[:, None, 0, :])
        shift = onehot * (strength[:, None, None] * d[:, None, 1, :])
        return scale, shift

    def trainable_summary(self) -> Dict[str, float]:
        """Parameter counts: total, trainable (requires_grad) and the trainable fraction."""
        total = sum(p.numel() for p in self.parameters())
        trainable = sum(p.numel() for p in self.parameters() if p.requires_grad)
        return {"total": total, "trainable": trainable, "fraction": trainable / max(total, 1)}
