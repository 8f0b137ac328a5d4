"""The ONNX graphs' declared shapes, and the PyTorch reference pair the app replays for parity
(``test/unit/modelParity.test.ts``)."""

import json
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np
import torch

from .modeling import CausalSAM


def set_io_shapes(path: Path, spec: Dict[str, Any]) -> None:
    """Write the manifest's input/output shapes into the graph (the tracer leaves some fixed
    sizes symbolic) and check the model."""
    import onnx

    g = onnx.load(str(path))
    for vi, t in zip(list(g.graph.input) + list(g.graph.output), spec["inputs"] + spec["outputs"]):
        assert vi.name == t["name"], (vi.name, t["name"])
        dims = vi.type.tensor_type.shape.dim
        assert len(dims) == len(t["shape"])
        for d, want in zip(dims, t["shape"]):
            if isinstance(want, str):
                d.dim_param = want
            else:
                d.dim_value = int(want)
    onnx.checker.check_model(g)
    onnx.save(g, str(path))


def _write_tensor(
    folder: Path, name: str, arr: np.ndarray, store: Optional[str] = None
) -> Dict[str, Any]:
    """Little-endian raw file; ``store='uint8'`` keeps a {0, 1} float tensor as bytes."""
    if store == "uint8":
        data = arr.astype(np.uint8)
    else:
        data = arr.astype(np.float32)
    fname = f"{name}.bin"
    (folder / fname).write_bytes(data.astype(data.dtype.newbyteorder("<")).tobytes())
    return {
        "name": name,
        "file": fname,
        "dtype": "float32",
        "storedAs": str(data.dtype),
        "shape": list(arr.shape),
    }


def write_parity(model: CausalSAM, image: np.ndarray, out_dir: Path, cls: int) -> Dict[str, Any]:
    """Reference pair: one slice, a box prompt and a 'grow' intervention on class ``cls``."""
    folder = out_dir / "parity"
    folder.mkdir(parents=True, exist_ok=True)
    S, K = model.img_size, model.num_classes
    x = torch.from_numpy(image.astype(np.float32))[None, None].expand(1, 3, S, S).contiguous()
    with torch.no_grad():
        emb = model.encode(x)
        pc = torch.tensor([[[40.0, 30.0], [90.0, 80.0], [0.0, 0.0]]])
        pl = torch.tensor([[2.0, 3.0, -1.0]])
        scale, shift = model.intervention_film(torch.tensor([0]), torch.tensor([cls]))
        gate = torch.zeros(1, K, S, S)
        gate[:, :, 32:96, 16:80] = 1.0
        out = model.decode(emb, pc, pl, scale, shift, gate)
    tensors = {
        "encoder": {
            "inputs": [_write_tensor(folder, "image", x.numpy())],
            "outputs": [_write_tensor(folder, "embeddings", emb.numpy())],
        },
        "decoder": {
            "inputs": [
                {**_write_tensor(folder, "embeddings", emb.numpy())},
                _write_tensor(folder, "point_coords", pc.numpy()),
                _write_tensor(folder, "point_labels", pl.numpy()),
                _write_tensor(folder, "film_scale", scale.numpy()),
                _write_tensor(folder, "film_shift", shift.numpy()),
                _write_tensor(folder, "gate", gate.numpy(), store="uint8"),
            ],
            "outputs": [
                _write_tensor(folder, "class_logits", out["class_logits"].numpy()),
                _write_tensor(folder, "prompt_logits", out["prompt_logits"].numpy()),
            ],
        },
    }
    ref = {"producer": f"PyTorch {torch.__version__}", "tolerance": 1e-4, **tensors}
    (folder / "reference.json").write_text(json.dumps(ref, indent=1))
    return ref
