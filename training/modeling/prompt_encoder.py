"""SAM prompt encoder: points and boxes (as labelled corner points) -> token embeddings.

Parameter names match segment-anything's ``prompt_encoder.*``. Point labels follow the SAM ONNX
convention: -1 padding, 0 negative point, 1 positive point, 2 box top-left, 3 box bottom-right.
The encoding is written with arithmetic masks (no boolean indexing) so it exports to ONNX.
"""

from typing import Optional, Tuple, Type

import numpy as np
import torch
import torch.nn as nn

from .common import LayerNorm2d


class PositionEmbeddingRandom(nn.Module):
    """Random Fourier positional encoding of normalised coordinates in [0, 1]."""

    def __init__(self, num_pos_feats: int = 64, scale: Optional[float] = None) -> None:
        super().__init__()
        if scale is None or scale <= 0.0:
            scale = 1.0
        self.register_buffer(
            "positional_encoding_gaussian_matrix", scale * torch.randn((2, num_pos_feats))
        )

    def _pe_encoding(self, coords: torch.Tensor) -> torch.Tensor:
        """[..., 2] in [0, 1] -> [..., 2 * num_pos_feats]."""
        coords = 2 * coords - 1
        coords = coords @ self.positional_encoding_gaussian_matrix
        coords = 2 * np.pi * coords
        return torch.cat([torch.sin(coords), torch.cos(coords)], dim=-1)

    def forward(self, size: Tuple[int, int]) -> torch.Tensor:
        """Dense encoding of an (h, w) grid: [2 * num_pos_feats, h, w]."""
        h, w = size
        device = self.positional_encoding_gaussian_matrix.device
        grid = torch.ones((h, w), device=device, dtype=torch.float32)
        y_embed = (grid.cumsum(dim=0) - 0.5) / h
        x_embed = (grid.cumsum(dim=1) - 0.5) / w
        pe = self._pe_encoding(torch.stack([x_embed, y_embed], dim=-1))
        return pe.permute(2, 0, 1)

    def forward_with_coords(
        self, coords_input: torch.Tensor, image_size: Tuple[int, int]
    ) -> torch.Tensor:
        """Pixel coordinates [B, N, 2] (x, y) in an (H, W) image -> [B, N, 2 * feats]."""
        coords = coords_input.clone()
        coords[:, :, 0] = coords[:, :, 0] / image_size[1]
        coords[:, :, 1] = coords[:, :, 1] / image_size[0]
        return self._pe_encoding(coords.to(torch.float))


class PromptEncoder(nn.Module):
    """Encode point/box prompts into sparse tokens [B, N(+1), C] and a dense map [B, C, h, w]."""

    def __init__(
        self,
        embed_dim: int,
        image_embedding_size: Tuple[int, int],
        input_image_size: Tuple[int, int],
        mask_in_chans: int = 16,
        activation: Type[nn.Module] = nn.GELU,
    ) -> None:
        super().__init__()
        self.embed_dim = embed_dim
        self.input_image_size = input_image_size
        self.image_embedding_size = image_embedding_size
        self.pe_layer = PositionEmbeddingRandom(embed_dim // 2)
        self.num_point_embeddings: int = 4  # pos/neg point + 2 box corners
        self.point_embeddings = nn.ModuleList(
            [nn.Embedding(1, embed_dim) for _ in range(self.num_point_embeddings)]
        )
        self.not_a_point_embed = nn.Embedding(1, embed_dim)
        self.mask_input_size = (4 * image_embedding_size[0], 4 * image_embedding_size[1])
        self.mask_downscaling = nn.Sequential(
            nn.Conv2d(1, mask_in_chans // 4, kernel_size=2, stride=2),
            LayerNorm2d(mask_in_chans // 4),
            activation(),
            nn.Conv2d(mask_in_chans // 4, mask_in_chans, kernel_size=2, stride=2),
            LayerNorm2d(mask_in_chans),
            activation(),
            nn.Conv2d(mask_in_chans, embed_dim, kernel_size=1),
        )
        self.no_mask_embed = nn.Embedding(1, embed_dim)

    def get_dense_pe(self) -> torch.Tensor:
        """Positional encoding of the embedding grid: [1, C, h, w]."""
        return self.pe_layer(self.image_embedding_size).unsqueeze(0)

    def embed_points(self, coords: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Points [B, N, 2] (pixels, x/y) and labels [B, N] -> sparse tokens [B, N, C].

        Padding points (label -1) get the ``not_a_point`` embedding and no positional part.
        """
        coords = coords + 0.5  # shift to the pixel centre
        emb = self.pe_layer.forward_with_coords(coords, self.input_image_size)
        lab = labels.unsqueeze(-1).to(emb.dtype)
        is_pad = (lab == -1).to(emb.dtype)
        emb = emb * (1 - is_pad)
        emb = emb + self.not_a_point_embed.weight * is_pad
        for i in range(self.num_point_embeddings):
            emb = emb + self.point_embeddings[i].weight * (lab == i).to(emb.dtype)
        return emb

    def forward(
        self,
        point_coords: torch.Tensor,
        point_labels: torch.Tensor,
        masks: Optional[torch.Tensor] = None,
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Returns sparse [B, N, C] and dense [B, C, h, w] embeddings.

        ``masks`` (optional, [B, 1, 4h, 4w] logits) is kept for SAM compatibility; the exported
        demo decoder does not use it.
        """
        sparse = self.embed_points(point_coords, point_labels)
        B = point_coords.shape[0]
        if masks is not None:
            dense = self.mask_downscaling(masks)
        else:
            dense = self.no_mask_embed.weight.reshape(1, -1, 1, 1).expand(
                B, -1, self.image_embedding_size[0], self.image_embedding_size[1]
            )
        return sparse, dense
