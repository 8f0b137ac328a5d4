"""Builders for model sizes (as in segment-anything) and official checkpoint loading."""

import contextlib
from dataclasses import dataclass, field
from functools import partial
from typing import ClassVar, Dict, Iterator, List, Mapping, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from .adapter import ConvAdapter
from .causal_sam import CausalSAM, ImageEncoder
from .image_encoder import ImageEncoderViT
from .mask_decoder import MaskDecoder
from .prompt_encoder import PromptEncoder
from .prompt_head import PromptHead
from .tiny_vit import TinyViT
from .transformer import TwoWayTransformer


@dataclass(frozen=True)
class EncoderConfig:
    """Hyperparameters of a SAM ViT encoder."""

    kind: ClassVar[str] = "vit"
    img_size: int
    patch_size: int
    embed_dim: int
    depth: int
    num_heads: int
    global_attn_indexes: Tuple[int, ...]
    window_size: int
    out_chans: int
    conv_stem: bool = False


@dataclass(frozen=True)
class TinyViTConfig:
    """Hyperparameters of a TinyViT encoder (MobileSAM); one entry per stage in the tuples."""

    kind: ClassVar[str] = "tiny_vit"
    img_size: int
    embed_dims: Tuple[int, ...]
    depths: Tuple[int, ...]
    num_heads: Tuple[int, ...]
    window_sizes: Tuple[int, ...]
    merge_strides: Tuple[int, ...]  # one per gap between stages; 1 keeps the grid
    out_chans: int

    @property
    def patch_size(self) -> int:
        """Total stride (stem 4 x merges): the encoder's output grid is img_size / patch_size."""
        s = 4
        for m in self.merge_strides:
            s *= m
        return s


AnyEncoderConfig = Union[EncoderConfig, TinyViTConfig]


@dataclass(frozen=True)
class DecoderConfig:
    """Hyperparameters of the prompt encoder and mask decoder."""

    dim: int = 256
    depth: int = 2
    num_heads: int = 8
    mlp_dim: int = 2048
    iou_hidden: int = 256
    adapter_reduction: int = 4


ENCODERS: Dict[str, AnyEncoderConfig] = {
    "vit_b": EncoderConfig(1024, 16, 768, 12, 12, (2, 5, 8, 11), 14, 256),
    "vit_l": EncoderConfig(1024, 16, 1024, 24, 16, (5, 11, 17, 23), 14, 256),
    "vit_h": EncoderConfig(1024, 16, 1280, 32, 16, (7, 15, 23, 31), 14, 256),
    # Demo: a narrow ViT of the same architecture for 128 x 128 slices (16 x 16 tokens).
    "demo": EncoderConfig(128, 8, 192, 6, 3, (2, 5), 8, 128, conv_stem=True),
    # Tiny: unit tests only.
    "tiny": EncoderConfig(32, 8, 32, 2, 2, (1,), 2, 32),
    # MobileSAM's TinyViT-5M (loads mobile_sam.pt): 1024 input, 64 x 64 grid, 256 channels.
    "tiny_vit_5m": TinyViTConfig(
        1024, (64, 128, 160, 320), (2, 2, 6, 2), (2, 4, 5, 10), (7, 7, 14, 7), (2, 2, 1), 256
    ),
    # Demo-sized TinyViT for 128 x 128 slices (16 x 16 grid, 128 channels), to compare with the
    # narrow ViT "demo" (training/results/encoders.md). MobileSAM's stages 0-2 as they are (widths
    # 64/128/160, depths 2/2/6, head dim 32); the last stage narrowed 320 -> 192 (the demo ViT's
    # width: its output is projected to 128 channels anyway, and at 320 it alone held 2.5 M
    # parameters). Merge strides 2, 1, 1: the MBConv stage runs at 32 x 32 and all attention
    # stages at the 16 x 16 output grid. Window 8 everywhere: a stage-2 window of 16 (MobileSAM's
    # 2x) would be global attention here and measured ~1.5x the latency.
    "demo_tinyvit": TinyViTConfig(
        128, (64, 128, 160, 192), (2, 2, 6, 2), (2, 4, 5, 6), (8, 8, 8, 8), (2, 1, 1), 128
    ),
}

DECODERS: Dict[str, DecoderConfig] = {
    "vit_b": DecoderConfig(),
    "vit_l": DecoderConfig(),
    "vit_h": DecoderConfig(),
    "demo": DecoderConfig(dim=128, depth=2, num_heads=8, mlp_dim=512, iou_hidden=128),
    "tiny": DecoderConfig(dim=32, depth=1, num_heads=2, mlp_dim=64, iou_hidden=32),
    # MobileSAM keeps SAM's decoder, so mobile_sam.pt's decoder loads too.
    "tiny_vit_5m": DecoderConfig(),
    "demo_tinyvit": DecoderConfig(dim=128, depth=2, num_heads=8, mlp_dim=512, iou_hidden=128),
}


def build_image_encoder(size: str) -> ImageEncoder:
    """Image encoder of a named size: a SAM ViT (``vit_b``, ``vit_l``, ``vit_h``, ``demo``,
    ``tiny``) or a MobileSAM TinyViT (``tiny_vit_5m``, ``demo_tinyvit``)."""
    c = ENCODERS[size]
    if isinstance(c, TinyViTConfig):
        return TinyViT(
            img_size=c.img_size,
            embed_dims=c.embed_dims,
            depths=c.depths,
            num_heads=c.num_heads,
            window_sizes=c.window_sizes,
            merge_strides=c.merge_strides,
            out_chans=c.out_chans,
        )
    return ImageEncoderViT(
        img_size=c.img_size,
        patch_size=c.patch_size,
        embed_dim=c.embed_dim,
        depth=c.depth,
        num_heads=c.num_heads,
        mlp_ratio=4.0,
        out_chans=c.out_chans,
        qkv_bias=True,
        norm_layer=partial(nn.LayerNorm, eps=1e-6),
        use_rel_pos=True,
        rel_pos_zero_init=True,
        window_size=c.window_size,
        global_attn_indexes=c.global_attn_indexes,
        conv_stem=c.conv_stem,
    )


def build_model(
    size: str,
    num_classes: int,
    checkpoint: Optional[str] = None,
    prompt_head: bool = True,
    prompt_head_embed: bool = False,
) -> CausalSAM:
    """Build a :class:`CausalSAM` of a named size; optionally load a SAM/MedSAM checkpoint.

    ``prompt_head`` adds the prompt-only refinement head (:class:`PromptHead`, zero-initialised:
    identity on SAM's prompt logits until trained), reading the image embeddings too if
    ``prompt_head_embed``; checkpoints saved without a head load with ``prompt_head=False``
    (:func:`head_options` reads both flags from a state dict).
    """
    enc = build_image_encoder(size)
    e = ENCODERS[size]
    d = DECODERS[size]
    grid = e.img_size // e.patch_size
    model = CausalSAM(
        image_encoder=enc,
        prompt_encoder=PromptEncoder(
            embed_dim=d.dim,
            image_embedding_size=(grid, grid),
            input_image_size=(e.img_size, e.img_size),
            mask_in_chans=16,
        ),
        mask_decoder=MaskDecoder(
            transformer_dim=d.dim,
            transformer=TwoWayTransformer(
                depth=d.depth, embedding_dim=d.dim, num_heads=d.num_heads, mlp_dim=d.mlp_dim
            ),
            num_classes=num_classes,
            iou_head_hidden_dim=d.iou_hidden,
        ),
        adapter=ConvAdapter(e.out_chans, d.adapter_reduction),
        prompt_head=(
            PromptHead(d.dim // 8, e.img_size, embed_dim=d.dim if prompt_head_embed else 0)
            if prompt_head
            else None
        ),
    )
    if e.out_chans != d.dim:
        raise ValueError("encoder out_chans must equal the decoder width")
    if checkpoint is not None:
        load_sam_checkpoint(model, checkpoint)
    return model


def head_options(state_dict: Mapping[str, torch.Tensor]) -> Dict[str, bool]:
    """``build_model`` keyword arguments for the prompt head a saved state dict has."""
    return {
        "prompt_head": any(k.startswith("prompt_head.") for k in state_dict),
        "prompt_head_embed": "prompt_head.embed_proj.weight" in state_dict,
    }


@dataclass
class LoadReport:
    """What :func:`load_sam_checkpoint` did."""

    loaded: List[str] = field(default_factory=list)
    skipped_unexpected: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)


def _strip(sd: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    out = {}
    for k, v in sd.items():
        for prefix in ("module.", "sam.", "model."):
            if k.startswith(prefix):
                k = k[len(prefix) :]
        out[k] = v
    return out


def map_sam_state_dict(
    sam_sd: Mapping[str, torch.Tensor], model: CausalSAM
) -> Tuple[Dict[str, torch.Tensor], LoadReport]:
    """Map an official segment-anything / MedSAM / MobileSAM state dict onto ``model``'s keys.

    The official names (``image_encoder.*``, ``prompt_encoder.*``, ``mask_decoder.*``) are kept;
    ``pos_embed`` and relative-position tables are resized when the input size differs. Image
    encoder tensors must all be present with compatible shapes (``ValueError`` otherwise; only
    BatchNorm's ``num_batches_tracked`` counters may be absent); decoder tensors that do not fit
    (e.g. a different width) and tensors we do not build (MobileSAM's classification head
    ``image_encoder.norm_head``/``head``) are reported in ``skipped_unexpected``.
    """
    if "model" in sam_sd and isinstance(sam_sd["model"], Mapping):
        sam_sd = sam_sd["model"]  # type: ignore[assignment]
    if "state_dict" in sam_sd and isinstance(sam_sd["state_dict"], Mapping):
        sam_sd = sam_sd["state_dict"]  # type: ignore[assignment]
    src = _strip(sam_sd)
    own = model.state_dict()
    report = LoadReport()
    mapped: Dict[str, torch.Tensor] = {}
    for k, v in src.items():
        if k not in own:
            report.skipped_unexpected.append(k)
            continue
        target = own[k]
        if tuple(v.shape) != tuple(target.shape):
            v2 = _resize_positional(k, v, tuple(target.shape))
            if v2 is None:
                if k.startswith("image_encoder."):
                    raise ValueError(f"{k}: shape {tuple(v.shape)} != {tuple(target.shape)}")
                report.skipped_unexpected.append(k)
                continue
            v = v2
        mapped[k] = v
        report.loaded.append(k)
    for k in own:
        # The BatchNorm step counter is unused (momentum is set) and re-saved weights may drop it.
        optional = k.endswith(".num_batches_tracked")
        if k.startswith("image_encoder.") and k not in mapped and not optional:
            raise ValueError(f"checkpoint lacks image encoder tensor {k}")
        if k not in mapped:
            report.missing.append(k)
    return mapped, report


def _resize_positional(key: str, v: torch.Tensor, shape: Tuple[int, ...]) -> Optional[torch.Tensor]:
    if key.endswith("pos_embed") and v.dim() == 4 and v.shape[-1] == shape[-1]:
        x = F.interpolate(v.permute(0, 3, 1, 2), size=shape[1:3], mode="bicubic")
        return x.permute(0, 2, 3, 1).contiguous()
    if (key.endswith("rel_pos_h") or key.endswith("rel_pos_w")) and v.shape[-1] == shape[-1]:
        x = F.interpolate(v.t().unsqueeze(0), size=shape[0], mode="linear")
        return x[0].t().contiguous()
    return None


def load_sam_checkpoint(
    model: CausalSAM, checkpoint: Union[str, Mapping[str, torch.Tensor]]
) -> LoadReport:
    """Load official SAM/MedSAM weights (file path or state dict) into ``model``."""
    sd = torch.load(checkpoint, map_location="cpu") if isinstance(checkpoint, str) else checkpoint
    mapped, report = map_sam_state_dict(sd, model)
    model.load_state_dict(mapped, strict=False)
    if "mask_decoder.output_hypernetworks_mlps.0.layers.2.weight" in mapped:
        model.mask_decoder.logit_scales[1] = 1.0  # SAM's own prompt-mask scale
    return report


@contextlib.contextmanager
def init_empty_weights() -> Iterator[None]:
    """Build modules with parameters and buffers on the ``meta`` device (no memory).

    Used to check the layout of ``vit_l``/``vit_h`` without allocating gigabytes.
    """
    old_param = nn.Module.register_parameter
    old_buffer = nn.Module.register_buffer

    def reg_param(self: nn.Module, name: str, param: Optional[nn.Parameter]) -> None:
        old_param(self, name, param)
        if param is not None:
            p = self._parameters[name]
            self._parameters[name] = nn.Parameter(p.to("meta"), requires_grad=p.requires_grad)

    def reg_buffer(
        self: nn.Module, name: str, tensor: Optional[torch.Tensor], persistent: bool = True
    ) -> None:
        old_buffer(self, name, tensor, persistent)
        if tensor is not None:
            self._buffers[name] = tensor.to("meta")

    nn.Module.register_parameter = reg_param  # type: ignore[assignment]
    nn.Module.register_buffer = reg_buffer  # type: ignore[assignment]
    try:
        yield
    finally:
        nn.Module.register_parameter = old_param  # type: ignore[assignment]
        nn.Module.register_buffer = old_buffer  # type: ignore[assignment]
