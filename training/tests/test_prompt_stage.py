"""Prompt stage (training/experiments/train_prompt.py) and the prompt-only head."""

import numpy as np
import torch

from training.modeling import build_model
from training.modeling.prompt_head import PromptHead


def test_prompt_maps_box_and_points() -> None:
    """The box map is 1 exactly inside the box; point bumps peak at their points."""
    head = PromptHead(feature_dim=4, input_size=32)
    coords = torch.tensor([[[8.0, 4.0], [15.0, 19.0], [0.0, 0.0]], [[6.0, 10.0], [20, 20], [0, 0]]])
    labels = torch.tensor([[2.0, 3.0, -1.0], [1.0, 0.0, -1.0]])
    m = head.prompt_maps(coords, labels, 32)
    assert m.shape == (2, 4, 32, 32)
    inside = torch.zeros(32, 32)
    inside[4:20, 8:16] = 1
    assert torch.equal(m[0, 0], inside)
    assert m[0, 1].max() > 0.9 and m[0, 1][0, 0] == -1.0
    assert m[0, 2:].abs().max() == 0 and m[1, :2].abs().max() == 0
    assert m[1, 2, 10, 6] == 1.0 and m[1, 3, 20, 20] == 1.0


def test_prompt_head_never_touches_class_path() -> None:
    """A trained (non-zero) head changes prompt logits only; an untrained one changes nothing."""
    torch.manual_seed(0)
    m = build_model("tiny", 3, prompt_head=False).eval()
    sd = m.state_dict()
    mh = build_model("tiny", 3).eval()
    mh.load_state_dict(sd, strict=False)
    x = torch.rand(2, 3, 32, 32)
    pc = torch.tensor([[[4.0, 4.0], [20.0, 24.0]], [[0.0, 0.0], [0.0, 0.0]]])
    pl = torch.tensor([[2.0, 3.0], [-1.0, -1.0]])
    with torch.no_grad():
        a, b = m(x, pc, pl), mh(x, pc, pl)
        assert torch.equal(a["prompt_logits"], b["prompt_logits"])  # zero-initialised
        for p in mh.prompt_head.parameters():
            p.add_(0.1)
        c = mh(x, pc, pl)
    assert torch.equal(a["class_logits"], c["class_logits"])
    assert not torch.allclose(a["prompt_logits"], c["prompt_logits"])


def test_prompt_stage_tiny_resume_and_class_path(tmp_path) -> None:
    """A tiny prompt stage on synthetic data: finite losses, resume, only the allowed parameters
    change, and class logits with padding prompts stay bit-identical (prompt_only)."""
    from training.evaluate import load_model
    from training.experiments.train_prompt import (
        PARAM_SETS,
        PromptConfig,
        configure_prompt_trainable,
        train_prompt,
    )
    from training.train import TrainConfig, train

    base = TrainConfig(
        out=str(tmp_path / "base"),
        data="synthetic",
        encoder="tiny",
        classes=["liver", "spleen"],
        steps=2,
        batch=2,
        log_every=1,
    )
    train(base)
    init = str(tmp_path / "base" / "final.pt")
    # a checkpoint without the head (as the shipped demo model) is the realistic init
    st = torch.load(init)
    st["model"] = {k: v for k, v in st["model"].items() if not k.startswith("prompt_head.")}
    torch.save(st, init)
    cfg = PromptConfig(
        init=init,
        out=str(tmp_path / "p"),
        data="synthetic",
        copies=2,
        steps=3,
        batch=4,
        lr=1e-2,
        ckpt_every=2,
        log_every=1,
        val_every=3,
    )
    log: list = []
    model = train_prompt(cfg, log)
    assert [r["step"] for r in log] == [1, 2, 3]
    assert all(np.isfinite(v) for r in log for v in r.values())
    cfg.steps, cfg.resume = 4, True
    log2: list = []
    train_prompt(cfg, log2)
    assert [r["step"] for r in log2] == [4]
    before = load_model(init)
    after = load_model(str(tmp_path / "p" / "final.pt"))
    assert after.prompt_head is not None and model.prompt_head is not None
    sb, sa = before.state_dict(), after.state_dict()
    changed = [k for k in sb if not torch.equal(sb[k], sa[k])]
    assert changed and all(k.startswith(PARAM_SETS["prompt_only"]) for k in changed), changed
    names = configure_prompt_trainable(after, "decoder")
    assert any(n.startswith("mask_decoder.transformer.") for n in names)
    x = torch.rand(3, 3, 32, 32)
    with torch.no_grad():
        for n in (1, 4):
            pc, pl = torch.zeros(3, n, 2), -torch.ones(3, n)
            assert torch.equal(before(x, pc, pl)["class_logits"], after(x, pc, pl)["class_logits"])


def test_point_prompt_and_box_baseline_eval() -> None:
    """evaluate.py's point-prompt Dice and the model-free filled-box reference on a toy slice."""
    from training.data.preprocess import SliceSet
    from training.evaluate import box_only_baseline, evaluate_point_prompts

    cls = np.zeros((1, 32, 32), np.uint8)
    cls[0, 8:20, 10:16] = 1
    data = SliceSet(
        np.random.rand(1, 32, 32).astype(np.float32), cls, cls.astype(np.int16), np.zeros(1), [{}]
    )
    assert box_only_baseline(data, ["liver"]) == {"liver": 1.0}
    torch.manual_seed(0)
    res = evaluate_point_prompts(build_model("tiny", 2).eval(), data, ["liver"])
    assert set(res) == {"pos", "pos_neg"} and 0.0 <= res["pos"]["liver"] <= 1.0


def test_head_options_round_trip() -> None:
    """Saved models rebuild with the prompt head they had (none, plain, reading embeddings)."""
    from training.modeling import head_options

    for head, embed in ((False, False), (True, False), (True, True)):
        m = build_model("tiny", 3, prompt_head=head, prompt_head_embed=embed)
        opts = head_options(m.state_dict())
        assert opts == {"prompt_head": head, "prompt_head_embed": embed and head}
        m2 = build_model("tiny", 3, **opts)
        m2.load_state_dict(m.state_dict())  # strict
        x = torch.rand(1, 3, 32, 32)
        pc, pl = torch.tensor([[[4.0, 4.0], [20.0, 24.0]]]), torch.tensor([[2.0, 3.0]])
        with torch.no_grad():
            assert m2(x, pc, pl)["prompt_logits"].shape == (1, 1, 32, 32)
