"""Linguistic Adversarial Disentanglement: describer, text encoder, critic and losses."""

from .describer import CallableDescriber, StyleDescriber, image_statistics
from .loss import StyleCritic, adversarial_loss, critic_loss, pooled_features
from .text_encoder import CallableTextEncoder, HashingTextEncoder, build_text_encoder

__all__ = [
    "CallableDescriber",
    "CallableTextEncoder",
    "HashingTextEncoder",
    "StyleCritic",
    "StyleDescriber",
    "adversarial_loss",
    "build_text_encoder",
    "critic_loss",
    "image_statistics",
    "pooled_features",
]
