"""Light residual adapter applied to frozen encoder embeddings (trainable, identity at init)."""

import torch
import torch.nn as nn


class ConvAdapter(nn.Module):
    """Residual bottleneck: embeddings [B, C, h, w] -> [B, C, h, w].

    1x1 down-projection to C / ``reduction``, 3x3 depthwise convolution, 1x1 up-projection. The
    last projection starts at zero, so the adapter is the identity before training.
    """

    def __init__(self, dim: int, reduction: int = 4) -> None:
        super().__init__()
        hidden = max(dim // reduction, 8)
        self.down = nn.Conv2d(dim, hidden, kernel_size=1)
        self.dw = nn.Conv2d(hidden, hidden, kernel_size=3, padding=1, groups=hidden)
        self.up = nn.Conv2d(hidden, dim, kernel_size=1)
        self.act = nn.GELU()
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.up(self.act(self.dw(self.act(self.down(x)))))
