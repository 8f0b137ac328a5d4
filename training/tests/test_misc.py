"""Metrics, simulated errors and the intervention/segmentation losses."""

import numpy as np
import torch

from training.intervention import GROW, SHRINK, simulate_error
from training.metrics import EMPTY_HD95_MM, dice, hd95


def test_dice_hd95() -> None:
    a = np.zeros((4, 20, 20), bool)
    a[:, 5:10, 5:10] = True
    b = np.roll(a, 2, axis=2)
    assert dice(a, a) == 1.0
    assert 0 < dice(a, b) < 1
    assert hd95(a, a, (3, 3, 3)) == 0.0
    assert hd95(a, b, (3, 3, 3)) == 6.0
    assert hd95(a, np.zeros_like(a), (3, 3, 3)) == EMPTY_HD95_MM


def test_simulated_errors() -> None:
    img = np.full((64, 64), 0.2, np.float32)
    cls = np.zeros((64, 64), np.uint8)
    cls[20:40, 20:40] = 1
    img[cls == 1] = 0.6
    kinds = set()
    for s in range(20):
        e = simulate_error(img, cls, np.random.default_rng(s))
        assert e is not None and e.cls == 1 and e.gate.sum() > 0
        changed = np.abs(e.image - img) > 1e-6
        assert not (changed & (e.gate == 0)).any()  # corruption only inside the gate
        kinds.add(e.kind)
    assert kinds == {GROW, SHRINK}
    assert simulate_error(img, np.zeros_like(cls), np.random.default_rng(0)) is None


def test_train_smoke_tiny(tmp_path) -> None:
    """Three steps of the full objective (style aug, LAD, interventions, prompts), then resume."""
    from training.train import TrainConfig, train

    cfg = TrainConfig(
        out=str(tmp_path),
        data="synthetic",
        encoder="tiny",
        classes=["liver", "spleen"],
        steps=3,
        batch=4,
        lad=True,
        intervention=True,
        ckpt_every=2,
        log_every=1,
    )
    log: list = []
    model = train(cfg, log)
    assert len(log) == 3 and all(np.isfinite(v) for r in log for v in r.values())
    # Intervention training reaches the learned directions only, at their own rate.
    assert model.mask_decoder.detach_intervention_inputs
    groups = torch.load(tmp_path / "last.pt")["opt"]["param_groups"]
    assert any(g["base_lr"] == cfg.lr * cfg.direction_lr_factor for g in groups)
    assert {"seg", "lad", "critic"} <= set().union(*[r.keys() for r in log])
    cfg.steps, cfg.resume = 4, True
    log2: list = []
    train(cfg, log2)
    assert [r["step"] for r in log2] == [4]
    assert (tmp_path / "final.pt").exists()
    torch.load(tmp_path / "final.pt")


def test_masked_image_modelling_step() -> None:
    """The self-supervised objective runs and gives the encoder a gradient."""
    from training.modeling import build_model
    from training.pretrain_mae import MaskedImageModel

    m = build_model("tiny", 2)
    mim = MaskedImageModel(m.image_encoder)
    x = torch.rand(2, 3, 32, 32)
    mask = torch.rand(2, 4, 4) < 0.5
    rec = mim(x, mask)
    assert rec.shape == (2, 1, 32, 32)
    rec.abs().mean().backward()
    assert m.image_encoder.patch_embed.proj.weight.grad is not None
