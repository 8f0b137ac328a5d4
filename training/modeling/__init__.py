"""Model modules (one per file, as in segment-anything) and builders."""

from .build import (
    DECODERS,
    ENCODERS,
    build_image_encoder,
    build_model,
    head_options,
    init_empty_weights,
    load_sam_checkpoint,
    map_sam_state_dict,
)
from .causal_sam import INTERVENTION_TYPES, CausalSAM

__all__ = [
    "CausalSAM",
    "DECODERS",
    "ENCODERS",
    "INTERVENTION_TYPES",
    "build_image_encoder",
    "build_model",
    "head_options",
    "init_empty_weights",
    "load_sam_checkpoint",
    "map_sam_state_dict",
]
