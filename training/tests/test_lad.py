"""LAD: describer, text encoder, critic and adversarial loss gradients."""

import numpy as np
import torch

from training.lad import (
    HashingTextEncoder,
    StyleCritic,
    StyleDescriber,
    adversarial_loss,
    critic_loss,
    pooled_features,
)


def test_describer_uses_dicom_stats_and_augmentations() -> None:
    img = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    meta = {"Modality": "MR", "Manufacturer": "SIEMENS", "MagneticFieldStrength": "1.5"}
    text = StyleDescriber().describe(
        img, meta, [{"name": "inversion"}, {"name": "random_conv", "kernel": 3}]
    )
    assert "SIEMENS" in text and "1.5" in text
    assert "inverted contrast" in text and "kernel 3" in text
    assert "noisy" in text or "noise" in text
    plain = StyleDescriber().describe(np.full((64, 64), 0.5, np.float32), {"modality": "CT"})
    assert "style: original" in plain and "modality CT" in plain


def test_text_encoder_deterministic_and_discriminative() -> None:
    enc = HashingTextEncoder(64)
    a = enc.encode(["CT, noisy, inverted contrast", "MR, clean, original"])
    b = HashingTextEncoder(64).encode(["CT, noisy, inverted contrast", "MR, clean, original"])
    assert torch.equal(a, b)
    assert torch.allclose(a.norm(dim=1), torch.ones(2), atol=1e-5)
    assert float(a[0] @ a[1]) < 0.9


def test_lad_gradients() -> None:
    torch.manual_seed(0)
    B, D = 6, 16
    f = torch.randn(B, D, requires_grad=True)
    t = HashingTextEncoder(32).encode(
        [f"style {i} noisy" if i % 2 else f"style {i} clean" for i in range(B)]
    )
    critic = StyleCritic(D, 32, hidden=16)
    # Critic loss: trains the critic, gives no gradient to the features.
    lc = critic_loss(critic, f, t)
    lc.backward()
    assert f.grad is None
    assert all(p.grad is not None for p in critic.parameters())
    critic.zero_grad()
    # Adversarial loss: gradient reaches the features.
    adv = adversarial_loss(critic, f, t)
    assert adv["adv"] >= -1e-6
    adv["total"].backward()
    assert f.grad is not None and f.grad.abs().sum() > 0


def test_adversarial_loss_zero_when_uniform() -> None:
    critic = StyleCritic(4, 8, hidden=4)
    f = torch.zeros(5, 4)
    with torch.no_grad():
        for p in critic.parameters():
            p.zero_()
    t = torch.nn.functional.normalize(torch.randn(5, 8), dim=1)
    assert abs(float(adversarial_loss(critic, f, t)["adv"])) < 1e-5


def test_critic_learns_to_match_when_features_carry_style() -> None:
    """A critic trained on features that encode the style text matches them (sanity)."""
    torch.manual_seed(0)
    t = torch.nn.functional.normalize(torch.randn(8, 16), dim=1)
    f = t @ torch.randn(16, 12)
    critic = StyleCritic(12, 16, hidden=32)
    opt = torch.optim.Adam(critic.parameters(), 1e-2)
    first = float(critic_loss(critic, f, t))
    for _ in range(150):
        opt.zero_grad()
        loss = critic_loss(critic, f, t)
        loss.backward()
        opt.step()
    assert float(loss) < first * 0.5


def test_pooled_features_shape() -> None:
    assert pooled_features(torch.rand(2, 32, 4, 4), torch.rand(2, 4, 16, 16)).shape == (2, 36)
