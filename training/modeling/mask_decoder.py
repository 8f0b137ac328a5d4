"""SAM mask decoder extended with learned class queries and TCI intervention inputs.

Tokens fed to the two-way transformer: [iou_token, 4 SAM mask tokens, K class queries, prompt
tokens]. Mask token 0 gives the promptable mask (SAM's single-mask output, so official SAM/MedSAM
decoder weights load into it); class query k gives class k's logits through a shared
hypernetwork. Test-Time Causal Intervention (TCI) inputs modulate the per-pixel decoder features
that class k reads, per class, only inside a spatial gate:

    F_k = F + g_k * ((s_k - 1) * F + b_k),      logit_k = <w_k, F_k>

with F [B, C8, 4h, 4w] the upscaled features, s_k/b_k [B, K, C8] the FiLM scale/shift, g_k the
gate. Neutral values: s = 1, b = 0 (any gate). Parameter names of the SAM parts are the official
ones (``mask_decoder.*``).
"""

from typing import Dict, Optional, Type

import torch
import torch.nn as nn
import torch.nn.functional as F

from .common import MLP, LayerNorm2d


class MaskDecoder(nn.Module):
    """Two-way transformer decoder with class queries, a prompt mask and FiLM/gate inputs."""

    def __init__(
        self,
        *,
        transformer_dim: int,
        transformer: nn.Module,
        num_classes: int,
        num_multimask_outputs: int = 3,
        activation: Type[nn.Module] = nn.GELU,
        iou_head_depth: int = 3,
        iou_head_hidden_dim: int = 256,
    ) -> None:
        super().__init__()
        self.transformer_dim = transformer_dim
        self.transformer = transformer
        self.num_classes = num_classes
        self.num_multimask_outputs = num_multimask_outputs
        self.iou_token = nn.Embedding(1, transformer_dim)
        self.num_mask_tokens = num_multimask_outputs + 1
        self.mask_tokens = nn.Embedding(self.num_mask_tokens, transformer_dim)
        self.output_upscaling = nn.Sequential(
            nn.ConvTranspose2d(transformer_dim, transformer_dim // 4, kernel_size=2, stride=2),
            LayerNorm2d(transformer_dim // 4),
            activation(),
            nn.ConvTranspose2d(transformer_dim // 4, transformer_dim // 8, kernel_size=2, stride=2),
            activation(),
        )
        self.output_hypernetworks_mlps = nn.ModuleList(
            [
                MLP(transformer_dim, transformer_dim, transformer_dim // 8, 3)
                for _ in range(self.num_mask_tokens)
            ]
        )
        self.iou_prediction_head = MLP(
            transformer_dim, iou_head_hidden_dim, self.num_mask_tokens, iou_head_depth
        )
        # Extensions (not in SAM checkpoints).
        self.class_queries = nn.Embedding(num_classes, transformer_dim)
        self.class_hypernetwork = MLP(transformer_dim, transformer_dim, transformer_dim // 8, 3)
        self.class_bias = nn.Parameter(torch.zeros(num_classes))
        # Fixed logit multipliers (class path, prompt path). The up-scaled features are small
        # (~0.1), so a decoder trained from scratch learns far faster with logits scaled by 8;
        # loading an official SAM decoder resets the prompt path's multiplier to 1.
        self.register_buffer("logit_scales", torch.tensor([8.0, 8.0]))
        # Training switch: interventions read detached features and class weights, so a loss on
        # an intervened output trains the learned FiLM directions only and leaves what the
        # automatic segmentation reads alone (training the shared weights through it cost the
        # demo model 0.06 mean test Dice).
        self.detach_intervention_inputs = False

    @property
    def feature_dim(self) -> int:
        """Channels C8 of the upscaled features that FiLM acts on."""
        return self.transformer_dim // 8

    def forward(
        self,
        image_embeddings: torch.Tensor,
        image_pe: torch.Tensor,
        sparse_prompt_embeddings: torch.Tensor,
        dense_prompt_embeddings: torch.Tensor,
        film_scale: Optional[torch.Tensor] = None,
        film_shift: Optional[torch.Tensor] = None,
        gate: Optional[torch.Tensor] = None,
    ) -> Dict[str, torch.Tensor]:
        """Decode.

        Args:
            image_embeddings: [B, C, h, w] (after the adapter).
            image_pe: [1, C, h, w] dense positional encoding.
            sparse_prompt_embeddings: [B, N, C] prompt tokens (padding included).
            dense_prompt_embeddings: [B, C, h, w].
            film_scale, film_shift: [B, K, C8] or None (neutral 1 / 0).
            gate: [B, K, 4h, 4w] in [0, 1], or None (neutral: 1).

        Returns:
            ``class_logits`` [B, K, 4h, 4w] (interventions included), ``intervention_delta``
            [B, K, 4h, 4w] (what the interventions added; zero without them),
            ``prompt_logits`` [B, 1, 4h, 4w],
            ``iou_pred`` [B, 4], ``class_tokens`` [B, K, C], ``features`` [B, C8, 4h, 4w].
        """
        B = image_embeddings.shape[0]
        K = self.num_classes
        fixed = torch.cat(
            [self.iou_token.weight, self.mask_tokens.weight, self.class_queries.weight], dim=0
        )
        tokens = torch.cat([fixed.unsqueeze(0).expand(B, -1, -1), sparse_prompt_embeddings], dim=1)
        src = image_embeddings + dense_prompt_embeddings
        pos_src = image_pe.expand(B, -1, -1, -1)
        _, _, h, w = src.shape
        hs, src = self.transformer(src, pos_src, tokens)
        iou_token_out = hs[:, 0, :]
        mask_tokens_out = hs[:, 1 : 1 + self.num_mask_tokens, :]
        class_out = hs[:, 1 + self.num_mask_tokens : 1 + self.num_mask_tokens + K, :]
        src = src.transpose(1, 2).reshape(B, self.transformer_dim, h, w)
        feats = self.output_upscaling(src)  # [B, C8, 4h, 4w]
        w_prompt = self.output_hypernetworks_mlps[0](mask_tokens_out[:, 0, :])  # [B, C8]
        prompt_logits = torch.einsum("bc,bchw->bhw", w_prompt, feats).unsqueeze(1)
        prompt_logits = prompt_logits * self.logit_scales[1]
        w_cls = self.class_hypernetwork(class_out)  # [B, K, C8]
        class_logits = torch.einsum("bkc,bchw->bkhw", w_cls, feats)
        class_logits = class_logits + self.class_bias.view(1, K, 1, 1)
        delta = torch.zeros_like(class_logits)
        if film_scale is not None or film_shift is not None:
            f_iv, w_iv = feats, w_cls
            if self.detach_intervention_inputs:
                f_iv, w_iv = feats.detach(), w_cls.detach()
            delta = self.intervention_term(f_iv, w_iv, film_scale, film_shift, gate)
        class_logits = (class_logits + delta) * self.logit_scales[0]
        iou_pred = self.iou_prediction_head(iou_token_out)
        return {
            "class_logits": class_logits,
            "intervention_delta": delta * self.logit_scales[0],
            "prompt_logits": prompt_logits,
            "iou_pred": iou_pred,
            "class_tokens": class_out,
            "features": feats,
        }

    @staticmethod
    def intervention_term(
        feats: torch.Tensor,
        w_cls: torch.Tensor,
        film_scale: Optional[torch.Tensor],
        film_shift: Optional[torch.Tensor],
        gate: Optional[torch.Tensor],
    ) -> torch.Tensor:
        """g_k * (<(s_k - 1) * w_k, F> + <w_k, b_k>): [B, K, 4h, 4w]; zero when neutral."""
        B, K, C8 = w_cls.shape
        if film_scale is None:
            film_scale = torch.ones_like(w_cls)
        if film_shift is None:
            film_shift = torch.zeros_like(w_cls)
        mod = torch.einsum("bkc,bchw->bkhw", w_cls * (film_scale - 1.0), feats)
        mod = mod + (w_cls * film_shift).sum(-1)[:, :, None, None]
        if gate is not None:
            mod = mod * gate
        return mod


def resize_gate(gate: torch.Tensor, factor: int) -> torch.Tensor:
    """Average-pool a gate [B, K, Hg, Wg] by an integer ``factor`` (a Python int, so that the
    ONNX graph gets a constant kernel)."""
    if factor == 1:
        return gate
    return F.avg_pool2d(gate, kernel_size=factor, stride=factor)
