"""Official SAM / MedSAM checkpoint key and shape mapping (random weights, official layout)."""

import pytest
import torch

from training.modeling import (
    build_model,
    init_empty_weights,
    load_sam_checkpoint,
    map_sam_state_dict,
)

from .sam_layout import official_sam_shapes


@pytest.mark.parametrize("size", ["vit_b", "vit_l", "vit_h"])
def test_layout_matches_official(size: str) -> None:
    """Every official key exists in our model with the same shape (built on the meta device)."""
    with init_empty_weights():
        model = build_model(size, num_classes=14)
    own = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    official = official_sam_shapes(size)
    missing = [k for k in official if k not in own]
    assert not missing, missing[:5]
    wrong = [(k, official[k], own[k]) for k in official if own[k] != official[k]]
    assert not wrong, wrong[:5]
    # Every image encoder tensor of ours is in the official layout (nothing new in the encoder).
    extra_enc = [k for k in own if k.startswith("image_encoder.") and k not in official]
    assert not extra_enc, extra_enc[:5]
    sd = {k: torch.empty(v, device="meta") for k, v in official.items()}
    mapped, report = map_sam_state_dict(sd, model)
    assert len(mapped) == len(official)
    assert not report.skipped_unexpected


def test_vit_b_loads_random_official_checkpoint(tmp_path) -> None:
    """A random state dict in the official vit_b layout loads by key with values intact,
    also wrapped as MedSAM-style {"model": ...} with DataParallel 'module.' prefixes."""
    torch.manual_seed(0)
    shapes = official_sam_shapes("vit_b")
    sd = {k: torch.randn(v) * 0.02 for k, v in shapes.items()}
    path = tmp_path / "sam_vit_b_random.pth"
    torch.save(sd, path)
    model = build_model("vit_b", num_classes=14, checkpoint=str(path))
    own = model.state_dict()
    for k in (
        "image_encoder.blocks.11.attn.rel_pos_h",
        "image_encoder.neck.2.weight",
        "mask_decoder.output_hypernetworks_mlps.0.layers.2.weight",
        "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix",
    ):
        assert torch.equal(own[k], sd[k]), k
    wrapped = {"model": {"module." + k: v for k, v in list(sd.items())}}
    model2 = build_model("vit_b", num_classes=3)
    report = load_sam_checkpoint(model2, wrapped)
    assert len(report.loaded) == len(sd)
    assert torch.equal(
        model2.state_dict()["image_encoder.pos_embed"], sd["image_encoder.pos_embed"]
    )
    # The extensions (class queries, adapter, FiLM directions) are what remains to train.
    assert any("class_queries" in k for k in report.missing)
    assert any(k.startswith("adapter.") for k in report.missing)
    del sd, wrapped, model, model2


def test_encoder_tensor_shape_mismatch_raises() -> None:
    model = build_model("tiny", 3)
    sd = {k: v.clone() for k, v in model.state_dict().items()}
    sd["image_encoder.blocks.0.attn.qkv.weight"] = torch.zeros(5, 5)
    with pytest.raises(ValueError):
        map_sam_state_dict(sd, model)


def test_pos_embed_resized_for_other_input_size() -> None:
    model = build_model("tiny", 3)
    sd = {k: v.clone() for k, v in model.state_dict().items()}
    sd["image_encoder.pos_embed"] = torch.randn(1, 8, 8, sd["image_encoder.pos_embed"].shape[-1])
    mapped, _ = map_sam_state_dict(sd, model)
    assert mapped["image_encoder.pos_embed"].shape == model.image_encoder.pos_embed.shape


def test_trainable_fraction_vit_b() -> None:
    """Frozen encoder: the trainable share of a vit_b model is under 9 %."""
    from training.train import configure_trainable

    with init_empty_weights():
        model = build_model("vit_b", num_classes=14)
    configure_trainable(model, train_encoder=False)
    s = model.trainable_summary()
    assert s["fraction"] < 0.09, s
