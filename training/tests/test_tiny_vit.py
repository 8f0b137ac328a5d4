"""TinyViT (MobileSAM) encoder: shapes, the official mobile_sam.pt layout, ONNX export, training."""

import itertools

import onnx
import pytest
import torch

from training.export import OPSET, EncoderOnnx
from training.modeling import (
    ENCODERS,
    build_image_encoder,
    build_model,
    init_empty_weights,
    load_sam_checkpoint,
    map_sam_state_dict,
)
from training.modeling.tiny_vit import TinyViT, relative_offset_index

from .sam_layout import official_mobile_sam_shapes

HEAD = {
    "image_encoder.norm_head.weight",
    "image_encoder.norm_head.bias",
    "image_encoder.head.weight",
    "image_encoder.head.bias",
}


def test_tiny_vit_5m_layout_matches_mobile_sam() -> None:
    """Every mobile_sam.pt key but the classification head exists with the same shape; the
    encoder has nothing MobileSAM lacks; the head is reported and skipped."""
    with init_empty_weights():
        model = build_model("tiny_vit_5m", num_classes=14)
    enc = model.image_encoder
    assert (enc.img_size, enc.patch_size, enc.out_chans) == (1024, 16, 256)
    own = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    official = official_mobile_sam_shapes()
    missing = [k for k in official if k not in own and k not in HEAD]
    assert not missing, missing[:5]
    wrong = [(k, official[k], own[k]) for k in official if k in own and own[k] != official[k]]
    assert not wrong, wrong[:5]
    extra_enc = [k for k in own if k.startswith("image_encoder.") and k not in official]
    assert not extra_enc, extra_enc[:5]
    sd = {k: torch.empty(v, device="meta") for k, v in official.items()}
    mapped, report = map_sam_state_dict(sd, model)
    assert set(report.skipped_unexpected) == HEAD
    assert len(mapped) == len(official) - len(HEAD)
    n_enc = sum(p.numel() for p in enc.parameters())
    assert n_enc == 5_743_892, n_enc  # TinyViT-5M without its classification head


def test_random_mobile_sam_checkpoint_loads_by_key() -> None:
    """A random state dict in the mobile_sam.pt layout loads with values intact (wrapped and
    prefixed too); BatchNorm step counters may be absent."""
    torch.manual_seed(0)
    sd = {}
    for k, shape in official_mobile_sam_shapes().items():
        if k.endswith("num_batches_tracked"):
            sd[k] = torch.tensor(7)
        elif k.endswith("running_var"):
            sd[k] = torch.rand(shape) + 0.5
        else:
            sd[k] = torch.randn(shape) * 0.02
    model = build_model("tiny_vit_5m", num_classes=3, prompt_head=False)
    wrapped = {"model": {"module." + k: v for k, v in sd.items()}}
    report = load_sam_checkpoint(model, wrapped)
    assert set(report.skipped_unexpected) == HEAD
    own = model.state_dict()
    for k in (
        "image_encoder.patch_embed.seq.0.c.weight",
        "image_encoder.layers.0.blocks.0.conv1.bn.running_var",
        "image_encoder.layers.2.blocks.5.attn.attention_biases",
        "image_encoder.layers.3.blocks.1.mlp.fc2.weight",
        "image_encoder.layers.2.downsample.conv2.c.weight",
        "image_encoder.neck.2.weight",
        "mask_decoder.output_hypernetworks_mlps.0.layers.2.weight",
    ):
        assert torch.equal(own[k], sd[k]), k
    no_counters = {k: v for k, v in sd.items() if not k.endswith("num_batches_tracked")}
    mapped, report = map_sam_state_dict(no_counters, model)
    assert all(k.endswith("num_batches_tracked") for k in report.missing if "image_encoder" in k)
    del sd["image_encoder.layers.1.blocks.0.attn.qkv.weight"]
    with pytest.raises(ValueError):
        map_sam_state_dict(sd, model)


@pytest.mark.parametrize("hw", [(7, 7), (14, 14), (3, 5)])
def test_offset_index_matches_mobile_sam_enumeration(hw) -> None:
    """Our closed form numbers the relative offsets as MobileSAM's first-appearance loop."""
    h, w = hw
    points = list(itertools.product(range(h), range(w)))
    offsets: dict = {}
    idxs = []
    for p1 in points:
        for p2 in points:
            off = (abs(p1[0] - p2[0]), abs(p1[1] - p2[1]))
            if off not in offsets:
                offsets[off] = len(offsets)
            idxs.append(offsets[off])
    ref = torch.tensor(idxs).view(h * w, h * w)
    assert torch.equal(relative_offset_index(h, w), ref)


def test_tiny_vit_5m_architecture_on_a_small_input() -> None:
    """MobileSAM's hyperparameters at 256 px (grid 16): windows of 14 pad the grid to 28."""
    torch.manual_seed(0)
    c = ENCODERS["tiny_vit_5m"]
    enc = TinyViT(
        img_size=256,
        embed_dims=c.embed_dims,
        depths=c.depths,
        num_heads=c.num_heads,
        window_sizes=c.window_sizes,
        merge_strides=c.merge_strides,
    ).eval()
    with torch.no_grad():
        y = enc(torch.rand(1, 3, 256, 256))
    assert y.shape == (1, 256, 16, 16) and torch.isfinite(y).all()


def test_demo_tinyvit_shapes_and_decode() -> None:
    torch.manual_seed(0)
    m = build_model("demo_tinyvit", 4).eval()
    enc = m.image_encoder
    assert (enc.img_size, enc.patch_size, enc.out_chans) == (128, 8, 128)
    n_enc = sum(p.numel() for p in enc.parameters())
    n_demo = sum(p.numel() for p in build_image_encoder("demo").parameters())
    assert 0.8 < n_enc / n_demo < 1.25, (n_enc, n_demo)  # the same size class as the demo ViT
    x = torch.rand(2, 3, 128, 128)
    with torch.no_grad():
        emb = m.encode(x)
        assert emb.shape == (2, 128, 16, 16)
        pc = torch.rand(2, 2, 2) * 128
        pl = torch.tensor([[2.0, 3.0], [1.0, -1.0]])
        out = m.decode(emb, pc, pl, gate=torch.ones(2, 4, 128, 128))
    assert out["class_logits"].shape == (2, 4, 128, 128)
    assert out["prompt_logits"].shape == (2, 1, 128, 128)


def test_demo_tinyvit_exports_to_onnx(tmp_path) -> None:
    """The encoder graph exports at opset 17 with a dynamic batch and passes the checker."""
    torch.manual_seed(0)
    m = build_model("demo_tinyvit", 3, prompt_head=False).eval()
    path = tmp_path / "encoder.onnx"
    with torch.no_grad():
        torch.onnx.export(
            EncoderOnnx(m),
            (torch.rand(1, 3, 128, 128),),
            str(path),
            opset_version=OPSET,
            input_names=["image"],
            output_names=["embeddings"],
            dynamic_axes={"image": {0: "B"}, "embeddings": {0: "B"}},
            do_constant_folding=True,
        )
    g = onnx.load(str(path))
    onnx.checker.check_model(g)
    assert OPSET == 17 and g.opset_import[0].version == 17
    # The tracer leaves the spatial output dims symbolic (export.py writes them in afterwards).
    dims = [d.dim_param or d.dim_value for d in g.graph.output[0].type.tensor_type.shape.dim]
    assert len(dims) == 4 and dims[:2] == ["B", 128]


def test_train_demo_tinyvit_frozen_encoder_keeps_batchnorm_statistics(tmp_path) -> None:
    """One step with the encoder frozen: TinyViT's BatchNorm statistics stay as loaded."""
    from training.train import TrainConfig, default_spacing, parse_args, train

    cfg = TrainConfig(
        out=str(tmp_path),
        data="synthetic",
        encoder="demo_tinyvit",
        classes=["liver", "spleen"],
        steps=1,
        batch=2,
        prompt=False,
    )
    assert default_spacing(cfg) == 3.0
    assert default_spacing(parse_args(["--encoder", "tiny_vit_5m"])) == 0.4
    torch.manual_seed(cfg.seed)
    fresh = build_model("demo_tinyvit", 3).image_encoder.state_dict()
    model = train(cfg)
    after = model.image_encoder.state_dict()
    for k in fresh:
        assert torch.equal(fresh[k], after[k]), k
