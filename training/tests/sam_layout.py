"""The official segment-anything state-dict layout (key -> shape), written out independently
of our modules from the published architecture (segment_anything/build_sam.py), for tests."""

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
    s[e + "neck.0.weight"] = (256, dim, 1, 1)
    s[e + "neck.1.weight"] = (256,)
    s[e + "neck.1.bias"] = (256,)
    s[e + "neck.2.weight"] = (256, 256, 3, 3)
    s[e + "neck.3.weight"] = (256,)
    s[e + "neck.3.bias"] = (256,)
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
