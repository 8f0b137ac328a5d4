"""Text encoders for style descriptions: built-in (no weights) or a user's CLIP/BiomedCLIP."""

import re
import zlib
from typing import Callable, Dict, List, Optional, Protocol

import numpy as np
import torch


class TextEncoder(Protocol):
    dim: int

    def encode(self, texts: List[str]) -> torch.Tensor:
        """Texts -> L2-normalised embeddings [N, dim] (no gradient)."""
        ...


class HashingTextEncoder:
    """Deterministic bag of hashed unigrams and bigrams with fixed random vectors.

    Each token t gets a Gaussian vector seeded by crc32(t); a text is the normalised sum of its
    token vectors. No downloaded weights, identical on every machine.
    """

    def __init__(self, dim: int = 256, seed: int = 0) -> None:
        self.dim = dim
        self.seed = seed
        self._cache: Dict[str, np.ndarray] = {}

    def _vec(self, token: str) -> np.ndarray:
        v = self._cache.get(token)
        if v is None:
            rng = np.random.default_rng(zlib.crc32(token.encode()) + self.seed)
            v = rng.normal(0, 1, self.dim).astype(np.float32)
            self._cache[token] = v
        return v

    def tokens(self, text: str) -> List[str]:
        words = re.findall(r"[a-z]+|\d+(?:\.\d+)?", text.lower())
        return words + [a + "_" + b for a, b in zip(words, words[1:])]

    def encode(self, texts: List[str]) -> torch.Tensor:
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            for tok in self.tokens(t):
                out[i] += self._vec(tok)
        out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-8
        return torch.from_numpy(out)


class CallableTextEncoder:
    """A user's encoder, e.g. open_clip or BiomedCLIP: ``fn(list[str]) -> Tensor [N, dim]``.

    Example (open_clip)::

        model, _, _ = open_clip.create_model_and_transforms("ViT-B-16", pretrained=PATH)
        tok = open_clip.get_tokenizer("ViT-B-16")
        enc = CallableTextEncoder(lambda t: model.encode_text(tok(t)), dim=512)
    """

    def __init__(self, fn: Callable[[List[str]], torch.Tensor], dim: int) -> None:
        self.fn = fn
        self.dim = dim

    @torch.no_grad()
    def encode(self, texts: List[str]) -> torch.Tensor:
        e = self.fn(texts).float()
        return e / (e.norm(dim=-1, keepdim=True) + 1e-8)


def build_text_encoder(
    name: str = "hashing", dim: int = 256, fn: Optional[Callable] = None
) -> TextEncoder:
    if name == "hashing":
        return HashingTextEncoder(dim)
    if fn is None:
        raise ValueError("a custom text encoder needs fn")
    return CallableTextEncoder(fn, dim)
