"""TinyViT image encoder as in MobileSAM (same module and parameter names).

TinyViT (Wu et al., 2022) with the changes MobileSAM (Zhang et al., 2023) made for SAM: no
classification head in the forward pass, a merging step that keeps the resolution before the
last stage (so a 1024 input gives a 64 x 64 grid, like SAM's ViT with patch 16), and SAM's neck.
Layout: a stem of two stride-2 convolutions, a stage of MBConv blocks, then stages of TinyViT
blocks (windowed attention with a learned bias per relative offset, a depthwise 3x3 convolution,
an MLP), with a :class:`PatchMerging` between stages. Module and parameter names follow
``mobile_sam/modeling/tiny_vit_sam.py``, so ``image_encoder.*`` in the official ``mobile_sam.pt``
loads by key. The classification head (``norm_head``/``head``) that checkpoint also holds is not
built: SAM never reads it.

All shapes are fixed by the constructor (input size, per-stage resolution), so the forward has
no control flow on tensor values and traces to ONNX with a dynamic batch only.
"""

from typing import List, Optional, Sequence, Tuple, Type

import torch
import torch.nn as nn
import torch.nn.functional as F

from .common import LayerNorm2d


class Conv2d_BN(nn.Sequential):
    """Convolution without bias followed by BatchNorm: [B, a, H, W] -> [B, b, H', W'].

    The name and the ``c``/``bn`` children are MobileSAM's (checkpoint keys ``*.c.weight``,
    ``*.bn.running_mean``...).
    """

    def __init__(
        self,
        a: int,
        b: int,
        ks: int = 1,
        stride: int = 1,
        pad: int = 0,
        groups: int = 1,
        bn_weight_init: float = 1.0,
    ) -> None:
        super().__init__()
        self.add_module("c", nn.Conv2d(a, b, ks, stride, pad, groups=groups, bias=False))
        bn = nn.BatchNorm2d(b)
        nn.init.constant_(bn.weight, bn_weight_init)
        nn.init.constant_(bn.bias, 0.0)
        self.add_module("bn", bn)


class PatchEmbed(nn.Module):
    """Stem: two stride-2 3x3 Conv2d_BN with GELU between, [B, C, S, S] -> [B, D, S/4, S/4]."""

    def __init__(self, in_chans: int, embed_dim: int, activation: Type[nn.Module]) -> None:
        super().__init__()
        n = embed_dim
        self.seq = nn.Sequential(
            Conv2d_BN(in_chans, n // 2, 3, 2, 1),
            activation(),
            Conv2d_BN(n // 2, n, 3, 2, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.seq(x)


class MBConv(nn.Module):
    """Inverted residual (1x1 expand, depthwise 3x3, 1x1 project): [B, C, H, W] -> same.

    The projection's BatchNorm starts at zero, so a fresh block is ``act(x)``.
    """

    def __init__(
        self, in_chans: int, out_chans: int, expand_ratio: float, activation: Type[nn.Module]
    ) -> None:
        super().__init__()
        hidden = int(in_chans * expand_ratio)
        self.conv1 = Conv2d_BN(in_chans, hidden, ks=1)
        self.act1 = activation()
        self.conv2 = Conv2d_BN(hidden, hidden, ks=3, stride=1, pad=1, groups=hidden)
        self.act2 = activation()
        self.conv3 = Conv2d_BN(hidden, out_chans, ks=1, bn_weight_init=0.0)
        self.act3 = activation()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act2(self.conv2(self.act1(self.conv1(x))))
        return self.act3(self.conv3(y) + x)


class PatchMerging(nn.Module):
    """Between stages: 1x1 conv, depthwise 3x3 conv (stride 2, or 1 to keep the grid), 1x1 conv.

    Input [B, C, H, W] or tokens [B, H*W, C] (H, W = ``input_resolution``); output tokens
    [B, H'*W', out_dim] with H' = H / stride.
    """

    def __init__(
        self,
        input_resolution: Tuple[int, int],
        dim: int,
        out_dim: int,
        activation: Type[nn.Module],
        stride: int = 2,
    ) -> None:
        super().__init__()
        self.input_resolution = input_resolution
        self.act = activation()
        self.conv1 = Conv2d_BN(dim, out_dim, 1, 1, 0)
        self.conv2 = Conv2d_BN(out_dim, out_dim, 3, stride, 1, groups=out_dim)
        self.conv3 = Conv2d_BN(out_dim, out_dim, 1, 1, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 3:  # rank is static: a Python branch, not data-dependent
            H, W = self.input_resolution
            x = x.transpose(1, 2).reshape(x.shape[0], -1, H, W)
        x = self.act(self.conv1(x))
        x = self.act(self.conv2(x))
        x = self.conv3(x)
        return x.flatten(2).transpose(1, 2)


class ConvLayer(nn.Module):
    """First stage: MBConv blocks on [B, C, H, W], then (optionally) a PatchMerging."""

    def __init__(
        self,
        dim: int,
        input_resolution: Tuple[int, int],
        depth: int,
        activation: Type[nn.Module],
        downsample: Optional[PatchMerging] = None,
        conv_expand_ratio: float = 4.0,
    ) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            [MBConv(dim, dim, conv_expand_ratio, activation) for _ in range(depth)]
        )
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for blk in self.blocks:
            x = blk(x)
        if self.downsample is not None:
            x = self.downsample(x)
        return x


class Mlp(nn.Module):
    """Pre-norm MLP on tokens: [B, N, C] -> [B, N, C]."""

    def __init__(
        self, in_features: int, hidden_features: int, act_layer: Type[nn.Module] = nn.GELU
    ) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(in_features)
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.fc2 = nn.Linear(hidden_features, in_features)
        self.act = act_layer()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(self.norm(x))))


def relative_offset_index(h: int, w: int) -> torch.Tensor:
    """[h*w, h*w] long: column of ``attention_biases`` for each (query, key) pair of a window.

    The bias is shared by all pairs with the same (|dy|, |dx|). MobileSAM numbers the offsets in
    order of first appearance scanning (query, key) pairs row-major; every offset already
    appears for query (0, 0), in row-major order, so that number is |dy| * w + |dx|.
    """
    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    pts = torch.stack([ys.flatten(), xs.flatten()])  # [2, N]
    d = (pts[:, :, None] - pts[:, None, :]).abs()  # [2, N, N]
    return d[0] * w + d[1]


class Attention(nn.Module):
    """Multi-head self-attention with a learned bias per relative offset: [B, N, C] -> same.

    N must be ``resolution[0] * resolution[1]`` (one window). ``qkv`` is laid out per head as
    [q, k, v] (MobileSAM's order, not SAM's [3, heads, d]).
    """

    def __init__(
        self,
        dim: int,
        key_dim: int,
        num_heads: int = 8,
        attn_ratio: int = 4,
        resolution: Tuple[int, int] = (14, 14),
    ) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.scale = key_dim**-0.5
        self.key_dim = key_dim
        self.d = int(attn_ratio * key_dim)
        self.dh = self.d * num_heads
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, self.dh + 2 * key_dim * num_heads)
        self.proj = nn.Linear(self.dh, dim)
        self.attention_biases = nn.Parameter(torch.zeros(num_heads, resolution[0] * resolution[1]))
        # Derived from the resolution, so not saved (MobileSAM's checkpoints lack it too).
        self.register_buffer(
            "attention_bias_idxs", relative_offset_index(*resolution), persistent=False
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, N, _ = x.shape
        x = self.norm(x)
        qkv = self.qkv(x).view(B, N, self.num_heads, -1)
        q, k, v = qkv.split([self.key_dim, self.key_dim, self.d], dim=3)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # [B, h, N, d]
        # Gathered each call (MobileSAM caches it in eval mode; a cache goes stale when weights
        # are loaded afterwards). index_select: advanced indexing is several times slower on CPU.
        idx = self.attention_bias_idxs
        bias = self.attention_biases.index_select(1, idx.flatten()).view(-1, N, N)  # [h, N, N]
        # Scaling q, not the [N, N] logits: fewer multiplications, same result.
        attn = ((q * self.scale) @ k.transpose(-2, -1) + bias).softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(B, N, self.dh)
        return self.proj(x)


class TinyViTBlock(nn.Module):
    """Windowed attention, depthwise 3x3 conv, MLP on tokens [B, H*W, C] -> same.

    The grid is zero-padded to a multiple of ``window_size`` for attention (as MobileSAM does:
    the padding tokens are attended to, not masked, which the official weights expect).
    """

    def __init__(
        self,
        dim: int,
        input_resolution: Tuple[int, int],
        num_heads: int,
        window_size: int = 7,
        mlp_ratio: float = 4.0,
        local_conv_size: int = 3,
        activation: Type[nn.Module] = nn.GELU,
    ) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"dim {dim} is not divisible by num_heads {num_heads}")
        self.dim = dim
        self.input_resolution = input_resolution
        self.window_size = window_size
        head_dim = dim // num_heads
        self.attn = Attention(
            dim, head_dim, num_heads, attn_ratio=1, resolution=(window_size, window_size)
        )
        self.mlp = Mlp(dim, int(dim * mlp_ratio), act_layer=activation)
        self.local_conv = Conv2d_BN(
            dim, dim, ks=local_conv_size, stride=1, pad=local_conv_size // 2, groups=dim
        )

    def _window_attention(self, x: torch.Tensor) -> torch.Tensor:
        """Tokens [B, H*W, C] -> attention output [B, H*W, C], window by window."""
        H, W = self.input_resolution
        ws, C = self.window_size, self.dim
        if H == ws and W == ws:
            return self.attn(x)
        pad_b, pad_r = (ws - H % ws) % ws, (ws - W % ws) % ws
        x = x.reshape(-1, H, W, C)
        if pad_b or pad_r:
            x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
        nh, nw = (H + pad_b) // ws, (W + pad_r) // ws
        x = x.reshape(-1, nh, ws, nw, ws, C).transpose(2, 3).reshape(-1, ws * ws, C)
        x = self.attn(x)
        x = x.reshape(-1, nh, nw, ws, ws, C).transpose(2, 3).reshape(-1, nh * ws, nw * ws, C)
        return x[:, :H, :W].reshape(-1, H * W, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        H, W = self.input_resolution
        x = x + self._window_attention(x)
        # Depthwise conv mixes neighbouring windows (no shifted windows in TinyViT).
        x = x.transpose(1, 2).reshape(-1, self.dim, H, W)
        x = self.local_conv(x).flatten(2).transpose(1, 2)
        return x + self.mlp(x)


class BasicLayer(nn.Module):
    """An attention stage: TinyViT blocks on tokens [B, H*W, C], then (optionally) merging."""

    def __init__(
        self,
        dim: int,
        input_resolution: Tuple[int, int],
        depth: int,
        num_heads: int,
        window_size: int,
        mlp_ratio: float = 4.0,
        downsample: Optional[PatchMerging] = None,
        local_conv_size: int = 3,
        activation: Type[nn.Module] = nn.GELU,
    ) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            [
                TinyViTBlock(
                    dim,
                    input_resolution,
                    num_heads,
                    window_size,
                    mlp_ratio,
                    local_conv_size,
                    activation,
                )
                for _ in range(depth)
            ]
        )
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for blk in self.blocks:
            x = blk(x)
        if self.downsample is not None:
            x = self.downsample(x)
        return x


class TinyViT(nn.Module):
    """TinyViT encoder with SAM's neck: image [B, 3, S, S] -> [B, out_chans, S/p, S/p].

    ``p`` (:attr:`patch_size`) is the total stride: 4 (stem) times the product of
    ``merge_strides`` (one per gap between stages; MobileSAM: 2, 2, 1 -> 16).
    """

    def __init__(
        self,
        img_size: int = 1024,
        in_chans: int = 3,
        embed_dims: Sequence[int] = (64, 128, 160, 320),
        depths: Sequence[int] = (2, 2, 6, 2),
        num_heads: Sequence[int] = (2, 4, 5, 10),
        window_sizes: Sequence[int] = (7, 7, 14, 7),
        merge_strides: Sequence[int] = (2, 2, 1),
        mlp_ratio: float = 4.0,
        mbconv_expand_ratio: float = 4.0,
        local_conv_size: int = 3,
        out_chans: int = 256,
    ) -> None:
        super().__init__()
        n = len(embed_dims)
        if not (len(depths) == len(num_heads) == len(window_sizes) == n >= 2):
            raise ValueError("embed_dims, depths, num_heads, window_sizes need one entry a stage")
        if len(merge_strides) != n - 1:
            raise ValueError("merge_strides needs one entry per gap between stages")
        act = nn.GELU
        self.img_size = img_size
        self.out_chans = out_chans
        self.embed_dims = list(embed_dims)
        stride = 4
        for m in merge_strides:
            stride *= m
        if img_size % stride:
            raise ValueError(f"img_size {img_size} is not a multiple of the total stride {stride}")
        self.patch_size = stride
        self.patch_embed = PatchEmbed(in_chans, embed_dims[0], act)
        res = stage_resolutions(img_size, merge_strides)
        self.grid = res[-1]
        self.layers = nn.ModuleList()
        for i in range(n):
            hw = (res[i], res[i])
            merge = None
            if i < n - 1:
                merge = PatchMerging(hw, embed_dims[i], embed_dims[i + 1], act, merge_strides[i])
            layer: nn.Module
            if i == 0:
                layer = ConvLayer(embed_dims[0], hw, depths[0], act, merge, mbconv_expand_ratio)
            else:
                layer = BasicLayer(
                    embed_dims[i],
                    hw,
                    depths[i],
                    num_heads[i],
                    window_sizes[i],
                    mlp_ratio,
                    merge,
                    local_conv_size,
                    act,
                )
            self.layers.append(layer)
        self.apply(_init_weights)
        # After _init_weights, which MobileSAM applies before creating the neck as well.
        self.neck = nn.Sequential(
            nn.Conv2d(embed_dims[-1], out_chans, kernel_size=1, bias=False),
            LayerNorm2d(out_chans),
            nn.Conv2d(out_chans, out_chans, kernel_size=3, padding=1, bias=False),
            LayerNorm2d(out_chans),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)  # [B, D0, S/4, S/4]
        for layer in self.layers:
            x = layer(x)  # tokens [B, L, D] after the first merging
        g = self.grid
        x = x.transpose(1, 2).reshape(-1, self.embed_dims[-1], g, g)
        return self.neck(x)


def _init_weights(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.LayerNorm):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


def stage_resolutions(img_size: int, merge_strides: Sequence[int]) -> List[int]:
    """Grid side of each stage: S/4 for the first, divided by each merge stride after."""
    res = [img_size // 4]
    for s in merge_strides:
        res.append(res[-1] // s)
    return res
