"""Recover PyTorch weights from an exported model folder (``encoder.onnx`` + decoder graphs).

The shipped demo model's training checkpoints are not in the repository (only its ONNX graphs
are), so a new run that wants to start from the shipped weights reads them back from the
graphs. ``torch.onnx.export`` keeps most parameters under their state-dict names
(``model.<key>``); linear weights feeding a ``MatMul`` are stored transposed under generated
names (``onnx::MatMul_N``), and LayerNorm2d affine parameters as ``[C, 1, 1]`` tensors
(``onnx::Mul_N`` / ``onnx::Add_N``). Those are matched through the name of the node that consumes
them, which carries the module path (``/image_encoder/blocks.0/attn/qkv/MatMul``).
"""

from pathlib import Path
from typing import Dict, List

import numpy as np
import torch


def _graph_tensors(path: Path) -> Dict[str, np.ndarray]:
    """Initialisers of one ONNX graph keyed by the state-dict name they came from."""
    import onnx
    from onnx import numpy_helper

    m = onnx.load(str(path))
    consumers: Dict[str, List[str]] = {}
    for node in m.graph.node:
        for i in node.input:
            consumers.setdefault(i, []).append(node.name)
    out: Dict[str, np.ndarray] = {}
    for t in m.graph.initializer:
        arr = numpy_helper.to_array(t)
        if t.name.startswith("model."):
            out[t.name[len("model.") :]] = arr
            continue
        users = consumers.get(t.name, [])
        if len(users) != 1:
            continue
        scope, op = users[0].rsplit("/", 1)
        if users[0] == "/mask_decoder/Expand" and arr.ndim == 3:
            # The decoder's token table, folded at export: [iou_token, mask_tokens, class_queries]
            out["mask_decoder.output_tokens"] = arr[0]
            continue
        if users[0].startswith("/prompt_encoder/Expand") and arr.ndim == 4:
            out["prompt_encoder.no_mask_embed.weight"] = arr.reshape(1, -1)
            continue
        if users[0] == "/mask_decoder/Add_1" and arr.ndim == 4:
            out["mask_decoder.class_bias"] = arr.reshape(-1)
            continue
        module = scope.strip("/").replace("/", ".")
        # LayerNorm2d in the neck: scope "/image_encoder/neck/neck.1" -> "image_encoder.neck.1"
        parts = module.split(".")
        dedup = [p for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]]
        module = ".".join(dedup).replace("neck.neck.", "neck.")
        if t.name.startswith("onnx::MatMul"):
            out[module + ".weight"] = arr.T
        elif t.name.startswith("onnx::Mul") and op.startswith("Mul"):
            out.setdefault(module + ".weight", arr.reshape(-1))
        elif t.name.startswith("onnx::Add") and op.startswith("Add"):
            out.setdefault(module + ".bias", arr.reshape(-1))
    return out


def state_dict_from_onnx(model_dir: str, model: torch.nn.Module) -> Dict[str, torch.Tensor]:
    """State dict for ``model`` filled from ``model_dir``'s graphs where names and shapes match.

    Returns only the recovered entries (load with ``strict=False``); keys of ``model`` that no
    graph holds (training-only parts such as the unused SAM heads) keep their initial values.
    """
    d = Path(model_dir)
    found: Dict[str, np.ndarray] = {}
    for name in ("prompt_decoder.onnx", "decoder.onnx", "encoder.onnx"):
        if (d / name).exists():
            for k, v in _graph_tensors(d / name).items():
                found.setdefault(k, v)
    own = model.state_dict()
    tokens = found.pop("mask_decoder.output_tokens", None)
    if tokens is not None:
        n_iou = own["mask_decoder.iou_token.weight"].shape[0]
        n_mask = own["mask_decoder.mask_tokens.weight"].shape[0]
        if tokens.shape[0] == n_iou + n_mask + own["mask_decoder.class_queries.weight"].shape[0]:
            found["mask_decoder.iou_token.weight"] = tokens[:n_iou]
            found["mask_decoder.mask_tokens.weight"] = tokens[n_iou : n_iou + n_mask]
            found["mask_decoder.class_queries.weight"] = tokens[n_iou + n_mask :]
    out: Dict[str, torch.Tensor] = {}
    for k, v in own.items():
        if k in found and tuple(found[k].shape) == tuple(v.shape):
            out[k] = torch.from_numpy(np.array(found[k])).to(v.dtype)
    return out
