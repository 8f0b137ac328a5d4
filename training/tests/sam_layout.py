"""The official segment-anything and MobileSAM state-dict layouts (key -> shape), written out
independently of our modules from the published architectures (segment_anything/build_sam.py,
mobile_sam/build_sam.py and mobile_sam/modeling/tiny_vit_sam.py), for tests."""

from typing import Dict, Tuple

SIZES = {
    "vit_b": (768, 12, (2, 5, 8, 11)),
    "vit_l": (1024, 24, (5, 11, 17, 23)),
    "vit_h": (1280, 32, (7, 15, 23, 31)),
}


def official_sam_shapes(size: str) -> Dict[str, Tuple[int, ...]]:
    dim, depth, global_idx = SIZES[size]
    heads = 12 if size == "vit_b" else 16
    hd = dim // heads
    s: Dict[str, Tuple[int, ...]] = {}
    e = "image_encoder."
    s[e + "pos_embed"] = (1, 64, 64, dim)
    s[e + "patch_embed.proj.weight"] = (dim, 3, 16, 16)
    s[e + "patch_embed.proj.bias"] = (dim,)
    for i in range(depth):
        b = f"{e}blocks.{i}."
        for n in ("norm1", "norm2"):
            s[b + n + ".weight"] = (dim,)
            s[b + n + ".bias"] = (dim,)
        s[b + "attn.qkv.weight"] = (3 * dim, dim)
        s[b + "attn.qkv.bias"] = (3 * dim,)
        s[b + "attn.proj.weight"] = (dim, dim)
        s[b + "attn.proj.bias"] = (dim,)
        r = 127 if i in global_idx else 27
        s[b + "attn.rel_pos_h"] = (r, hd)
        s[b + "attn.rel_pos_w"] = (r, hd)
        s[b + "mlp.lin1.weight"] = (4 * dim, dim)
        s[b + "mlp.lin1.bias"] = (4 * dim,)
        s[b + "mlp.lin2.weight"] = (dim, 4 * dim)
        s[b + "mlp.lin2.bias"] = (dim,)
    s.update(official_neck_shapes(dim))
    s.update(official_decoder_shapes())
    return s


def official_neck_shapes(in_chans: int) -> Dict[str, Tuple[int, ...]]:
    """SAM's neck (1x1 conv, LayerNorm2d, 3x3 conv, LayerNorm2d to 256 channels), which
    MobileSAM's TinyViT keeps."""
    e = "image_encoder."
    return {
        e + "neck.0.weight": (256, in_chans, 1, 1),
        e + "neck.1.weight": (256,),
        e + "neck.1.bias": (256,),
        e + "neck.2.weight": (256, 256, 3, 3),
        e + "neck.3.weight": (256,),
        e + "neck.3.bias": (256,),
    }


def official_decoder_shapes() -> Dict[str, Tuple[int, ...]]:
    """SAM's prompt encoder and mask decoder (256 wide); MobileSAM keeps them unchanged."""
    s: Dict[str, Tuple[int, ...]] = {}
    p = "prompt_encoder."
    s[p + "pe_layer.positional_encoding_gaussian_matrix"] = (2, 128)
    for i in range(4):
        s[f"{p}point_embeddings.{i}.weight"] = (1, 256)
    s[p + "not_a_point_embed.weight"] = (1, 256)
    s[p + "mask_downscaling.0.weight"] = (4, 1, 2, 2)
    s[p + "mask_downscaling.0.bias"] = (4,)
    s[p + "mask_downscaling.1.weight"] = (4,)
    s[p + "mask_downscaling.1.bias"] = (4,)
    s[p + "mask_downscaling.3.weight"] = (16, 4, 2, 2)
    s[p + "mask_downscaling.3.bias"] = (16,)
    s[p + "mask_downscaling.4.weight"] = (16,)
    s[p + "mask_downscaling.4.bias"] = (16,)
    s[p + "mask_downscaling.6.weight"] = (256, 16, 1, 1)
    s[p + "mask_downscaling.6.bias"] = (256,)
    s[p + "no_mask_embed.weight"] = (1, 256)
    m = "mask_decoder."

    def attn(prefix: str, internal: int) -> None:
        for n in ("q_proj", "k_proj", "v_proj"):
            s[f"{prefix}.{n}.weight"] = (internal, 256)
            s[f"{prefix}.{n}.bias"] = (internal,)
        s[f"{prefix}.out_proj.weight"] = (256, internal)
        s[f"{prefix}.out_proj.bias"] = (256,)

    for i in range(2):
        b = f"{m}transformer.layers.{i}"
        attn(b + ".self_attn", 256)
        attn(b + ".cross_attn_token_to_image", 128)
        attn(b + ".cross_attn_image_to_token", 128)
        for n in ("norm1", "norm2", "norm3", "norm4"):
            s[f"{b}.{n}.weight"] = (256,)
            s[f"{b}.{n}.bias"] = (256,)
        s[b + ".mlp.lin1.weight"] = (2048, 256)
        s[b + ".mlp.lin1.bias"] = (2048,)
        s[b + ".mlp.lin2.weight"] = (256, 2048)
        s[b + ".mlp.lin2.bias"] = (256,)
    attn(m + "transformer.final_attn_token_to_image", 128)
    s[m + "transformer.norm_final_attn.weight"] = (256,)
    s[m + "transformer.norm_final_attn.bias"] = (256,)
    s[m + "iou_token.weight"] = (1, 256)
    s[m + "mask_tokens.weight"] = (4, 256)
    s[m + "output_upscaling.0.weight"] = (256, 64, 2, 2)
    s[m + "output_upscaling.0.bias"] = (64,)
    s[m + "output_upscaling.1.weight"] = (64,)
    s[m + "output_upscaling.1.bias"] = (64,)
    s[m + "output_upscaling.3.weight"] = (64, 32, 2, 2)
    s[m + "output_upscaling.3.bias"] = (32,)
    for i in range(4):
        for j, shp in enumerate([(256, 256), (256, 256), (32, 256)]):
            s[f"{m}output_hypernetworks_mlps.{i}.layers.{j}.weight"] = shp
            s[f"{m}output_hypernetworks_mlps.{i}.layers.{j}.bias"] = (shp[0],)
    for j, shp in enumerate([(256, 256), (256, 256), (4, 256)]):
        s[f"{m}iou_prediction_head.layers.{j}.weight"] = shp
        s[f"{m}iou_prediction_head.layers.{j}.bias"] = (shp[0],)
    return s


def official_mobile_sam_shapes() -> Dict[str, Tuple[int, ...]]:
    """``mobile_sam.pt``: TinyViT-5M (build_sam_vit_t) + SAM's decoder.

    TinyViT-5M: widths 64/128/160/320, depths 2/2/6/2, heads 2/4/5/10, windows 7/7/14/7,
    MBConv expansion 4, MLP ratio 4, local conv 3x3, 1000-class head, SAM neck to 256.
    Every ``Conv2d_BN`` is a bias-free conv ``c`` + BatchNorm ``bn`` (5 entries, buffers
    included: the checkpoint was saved from the whole module and loads strictly there).
    """
    dims, depths, heads, windows = (64, 128, 160, 320), (2, 2, 6, 2), (2, 4, 5, 10), (7, 7, 14, 7)
    s: Dict[str, Tuple[int, ...]] = {}
    e = "image_encoder."

    def conv_bn(prefix: str, cin: int, cout: int, k: int, groups: int = 1) -> None:
        s[prefix + ".c.weight"] = (cout, cin // groups, k, k)
        for n in ("weight", "bias", "running_mean", "running_var"):
            s[f"{prefix}.bn.{n}"] = (cout,)
        s[prefix + ".bn.num_batches_tracked"] = ()

    conv_bn(e + "patch_embed.seq.0", 3, dims[0] // 2, 3)
    conv_bn(e + "patch_embed.seq.2", dims[0] // 2, dims[0], 3)
    for i in range(depths[0]):
        b = f"{e}layers.0.blocks.{i}"
        hidden = 4 * dims[0]
        conv_bn(b + ".conv1", dims[0], hidden, 1)
        conv_bn(b + ".conv2", hidden, hidden, 3, groups=hidden)
        conv_bn(b + ".conv3", hidden, dims[0], 1)
    for stage in range(1, 4):
        d, h, w = dims[stage], heads[stage], windows[stage]
        for i in range(depths[stage]):
            b = f"{e}layers.{stage}.blocks.{i}"
            s[b + ".attn.attention_biases"] = (h, w * w)  # one per (|dy|, |dx|) in a window
            s[b + ".attn.norm.weight"] = (d,)
            s[b + ".attn.norm.bias"] = (d,)
            s[b + ".attn.qkv.weight"] = (3 * d, d)
            s[b + ".attn.qkv.bias"] = (3 * d,)
            s[b + ".attn.proj.weight"] = (d, d)
            s[b + ".attn.proj.bias"] = (d,)
            s[b + ".mlp.norm.weight"] = (d,)
            s[b + ".mlp.norm.bias"] = (d,)
            s[b + ".mlp.fc1.weight"] = (4 * d, d)
            s[b + ".mlp.fc1.bias"] = (4 * d,)
            s[b + ".mlp.fc2.weight"] = (d, 4 * d)
            s[b + ".mlp.fc2.bias"] = (d,)
            conv_bn(b + ".local_conv", d, d, 3, groups=d)
    for stage in range(3):  # PatchMerging after every stage but the last
        m = f"{e}layers.{stage}.downsample"
        cin, cout = dims[stage], dims[stage + 1]
        conv_bn(m + ".conv1", cin, cout, 1)
        conv_bn(m + ".conv2", cout, cout, 3, groups=cout)
        conv_bn(m + ".conv3", cout, cout, 1)
    s[e + "norm_head.weight"] = (320,)
    s[e + "norm_head.bias"] = (320,)
    s[e + "head.weight"] = (1000, 320)
    s[e + "head.bias"] = (1000,)
    s.update(official_neck_shapes(320))
    s.update(official_decoder_shapes())
    return s
