"""Shapes, prompts and the TCI intervention inputs on a tiny configuration."""

import torch

from training.modeling import build_model
from training.modeling.build import ENCODERS


def tiny(K: int = 4):
    torch.manual_seed(0)
    m = build_model("tiny", K)
    m.eval()
    return m


def test_shapes() -> None:
    m = tiny()
    S = ENCODERS["tiny"].img_size
    x = torch.rand(2, 3, S, S)
    emb = m.encode(x)
    assert emb.shape == (2, 32, S // 8, S // 8)
    pc = torch.rand(2, 3, 2) * S
    pl = torch.tensor([[1.0, 0.0, -1.0], [2.0, 3.0, -1.0]])
    out = m.decode(emb, pc, pl)
    assert out["class_logits"].shape == (2, 4, S, S)
    assert out["prompt_logits"].shape == (2, 1, S, S)
    assert out["adapted"].shape == emb.shape


def test_padding_points_do_not_matter() -> None:
    m = tiny()
    S = ENCODERS["tiny"].img_size
    emb = m.encode(torch.rand(1, 3, S, S))
    a = m.decode(emb, torch.tensor([[[3.0, 4.0], [0.0, 0.0]]]), torch.tensor([[1.0, -1.0]]))
    b = m.decode(emb, torch.tensor([[[3.0, 4.0], [9.0, 7.0]]]), torch.tensor([[1.0, -1.0]]))
    assert torch.allclose(a["prompt_logits"], b["prompt_logits"], atol=1e-6)


def test_neutral_film_is_identity() -> None:
    m = tiny()
    S = ENCODERS["tiny"].img_size
    K, C8 = m.num_classes, m.mask_decoder.feature_dim
    emb = m.encode(torch.rand(2, 3, S, S))
    pc, pl = torch.zeros(2, 1, 2), -torch.ones(2, 1)
    a = m.decode(emb, pc, pl)["class_logits"]
    b = m.decode(emb, pc, pl, torch.ones(2, K, C8), torch.zeros(2, K, C8), torch.rand(2, K, S, S))
    assert torch.allclose(a, b["class_logits"], atol=1e-6)


def test_intervention_acts_only_inside_gate_and_class() -> None:
    m = tiny()
    S = ENCODERS["tiny"].img_size
    with torch.no_grad():
        m.intervention_directions.normal_(0, 1.0)
    emb = m.encode(torch.rand(1, 3, S, S))
    pc, pl = torch.zeros(1, 1, 2), -torch.ones(1, 1)
    neutral = m.decode(emb, pc, pl)
    base = neutral["class_logits"]
    assert neutral["intervention_delta"].abs().max() == 0
    gate = torch.zeros(1, m.num_classes, S, S)
    gate[..., 8:16, 8:16] = 1
    scale, shift = m.intervention_film(torch.tensor([0]), torch.tensor([2]))
    modulated = m.decode(emb, pc, pl, scale, shift, gate)
    out = modulated["class_logits"]
    # The delta the training loss reads is exactly what the intervention added.
    assert torch.allclose(modulated["intervention_delta"], out - base, atol=1e-5)
    diff = (out - base).abs()
    assert diff[0, 2, 8:16, 8:16].max() > 1e-3  # moves inside the gate
    others = [0, 1, 3]
    assert diff[0, others].max() < 1e-6  # other classes untouched
    far = torch.ones(S, S, dtype=torch.bool)
    far[5:19, 5:19] = False  # gate dilated by the bilinear upsampling footprint
    assert diff[0, 2][far].max() < 1e-6


def test_frozen_encoder_gets_no_gradient() -> None:
    from training.train import configure_trainable

    m = tiny()
    configure_trainable(m, train_encoder=False)
    m.train()
    S = ENCODERS["tiny"].img_size
    out = m(torch.rand(2, 3, S, S), torch.zeros(2, 1, 2), -torch.ones(2, 1))
    out["class_logits"].mean().backward()
    assert all(p.grad is None for p in m.image_encoder.parameters())
    assert m.adapter.up.weight.grad is not None


def test_intervention_loss_holds_the_base_prediction_fixed() -> None:
    """Only the intervention may fix a simulated error: the loss on an intervened sample must
    not train the base prediction; with ``detach_intervention_inputs`` (as training sets it)
    it trains the learned directions and nothing the automatic segmentation reads."""
    from training.train import losses

    m = tiny()
    m.train()
    m.mask_decoder.detach_intervention_inputs = True
    S = ENCODERS["tiny"].img_size
    K = m.num_classes
    gate = torch.zeros(1, K, S, S)
    gate[..., 8:16, 8:16] = 1
    out = m(
        torch.rand(1, 3, S, S),
        torch.zeros(1, 1, 2),
        -torch.ones(1, 1),
        gate,
        torch.tensor([1]),
        torch.tensor([2]),
        torch.tensor([1.0]),
    )
    batch = {
        "classes": torch.randint(0, K, (1, S, S)),
        "iv_active": torch.tensor([1.0]),
        "gate": gate,
        "prompt_valid": torch.tensor([0.0]),
    }
    parts = losses(out, batch, K)
    assert set(parts) == {"iv"}
    parts["iv"].backward()
    for name, p in m.named_parameters():
        if name != "intervention_directions":
            assert p.grad is None or p.grad.abs().max() == 0, name
    assert m.intervention_directions.grad is not None
    assert m.intervention_directions.grad.abs().max() > 0
