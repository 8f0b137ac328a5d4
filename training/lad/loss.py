"""LAD: Linguistic Adversarial Disentanglement.

Notation (batch of B images): f_i = segmentation features of image i (pooled adapter output and
decoder features, [B, D_f]); t_j = text embedding of image j's style description ([B, D_t],
unit norm, fixed); critic c_phi: R^{D_f} -> R^{D_t}; tau a temperature;
s_ij = cos(c_phi(f_i), t_j) / tau; p_ij = softmax_j(s_ij).

Critic (matches features to descriptions, InfoNCE), on features with no gradient:
    L_critic(phi) = -1/B sum_i log p_ii
Features (the adapter and decoder, theta) defeat it: the critic's matching distribution must
be uniform (no style information left), and the matched description must not stand out:
    L_adv(theta) = -1/B sum_i (1/B) sum_j log p_ij  -  log B          (>= 0, 0 when uniform)
    L_dis(theta) = 1/B sum_i relu(cos(c_phi(f_i), t_i) - 1/B sum_j cos(c_phi(f_i), t_j))
Total for theta: L_seg + lambda (L_adv + L_dis); phi minimises L_critic (alternating steps).
"""

from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F


class StyleCritic(nn.Module):
    """c_phi: features [B, D_f] -> text space [B, D_t] (unit norm)."""

    def __init__(self, feat_dim: int, text_dim: int, hidden: int = 256) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(feat_dim, hidden), nn.GELU(), nn.Linear(hidden, text_dim)
        )

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.net(f), dim=-1)


def pooled_features(adapted: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
    """Adapter output [B, C, h, w] and decoder features [B, C8, H, W] -> [B, C + C8]."""
    return torch.cat([adapted.mean((2, 3)), features.mean((2, 3))], dim=1)


def similarity(critic: StyleCritic, f: torch.Tensor, t: torch.Tensor, tau: float) -> torch.Tensor:
    """Cosine similarities [B, B] between critic(f_i) and t_j."""
    return critic(f) @ t.t() / tau


def critic_loss(
    critic: StyleCritic, f: torch.Tensor, t: torch.Tensor, tau: float = 0.1
) -> torch.Tensor:
    """L_critic: InfoNCE of matching features (detached) to their descriptions."""
    s = similarity(critic, f.detach(), t, tau)
    return F.cross_entropy(s, torch.arange(s.shape[0], device=s.device))


def adversarial_loss(
    critic: StyleCritic, f: torch.Tensor, t: torch.Tensor, tau: float = 0.1
) -> Dict[str, torch.Tensor]:
    """L_adv + L_dis for the features (the critic's parameters get no update from this)."""
    B = f.shape[0]
    z = F.normalize(critic.net(f), dim=-1)
    cos = z @ t.t()
    logp = F.log_softmax(cos / tau, dim=1)
    adv = -logp.mean() - torch.log(torch.tensor(float(B), device=f.device))
    dis = F.relu(cos.diagonal() - cos.mean(1)).mean()
    return {"adv": adv, "dis": dis, "total": adv + dis}
