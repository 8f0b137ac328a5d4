"""Export a trained model to ``models/<id>/{encoder.onnx, decoder.onnx, manifest.json}``.

Usage::

    /usr/bin/python3 -m training.export --ckpt training/runs/demo_b/final.pt \\
        --id causal-sam-demo --scores training/results/demo_eval.json

Also writes ``parity/`` (a reference input/output pair computed with PyTorch) that
``test/unit/modelParity.test.ts`` replays in onnxruntime-node.
"""

import argparse
import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from .data.demo import DEMO_CLASSES
from .data.labels import class_table
from .data.preprocess import PERCENTILES, SPACING_MM
from .manifest import validate_manifest
from .modeling import INTERVENTION_TYPES, CausalSAM
from .optimize_onnx import optimize_model_folder
from .parity import set_io_shapes, write_parity
from .export_scores import DEMO_TRAINING_DATA, mr_results, scores_from_eval

OPSET = 17
REPO = Path(__file__).resolve().parents[1]


class EncoderOnnx(nn.Module):
    """image [B, 3, S, S] in [0, 1] -> embeddings [B, C, h, w]."""

    def __init__(self, model: CausalSAM) -> None:
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.model.encode(image)


class DecoderOnnx(nn.Module):
    """(embeddings, point_coords, point_labels, film_scale, film_shift, gate) -> logits."""

    def __init__(self, model: CausalSAM) -> None:
        super().__init__()
        self.model = model

    def forward(
        self,
        embeddings: torch.Tensor,
        point_coords: torch.Tensor,
        point_labels: torch.Tensor,
        film_scale: torch.Tensor,
        film_shift: torch.Tensor,
        gate: torch.Tensor,
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        out = self.model.decode(
            embeddings, point_coords, point_labels, film_scale, film_shift, gate
        )
        return out["class_logits"], out["prompt_logits"]


def io_spec(model: CausalSAM) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    S = model.img_size
    C = model.image_encoder.out_chans
    h = S // model.image_encoder.patch_size
    K, C8 = model.num_classes, model.mask_decoder.feature_dim
    enc = {
        "opset": OPSET,
        "inputs": [
            {
                "name": "image",
                "dtype": "float32",
                "shape": ["B", 3, S, S],
                "description": "preprocessed slice in [0, 1], grey replicated to 3 channels",
            },
        ],
        "outputs": [
            {
                "name": "embeddings",
                "dtype": "float32",
                "shape": ["B", C, h, h],
                "description": "frozen encoder features; cache per slice",
            },
        ],
    }
    dec = {
        "opset": OPSET,
        "inputs": [
            {"name": "embeddings", "dtype": "float32", "shape": ["B", C, h, h]},
            {
                "name": "point_coords",
                "dtype": "float32",
                "shape": ["B", "N", 2],
                "description": "(x, y) pixels in the S x S input; N >= 1 (pad with label -1)",
            },
            {
                "name": "point_labels",
                "dtype": "float32",
                "shape": ["B", "N"],
                "description": "-1 padding, 0 negative, 1 positive, 2 box top-left, "
                "3 box bottom-right",
            },
            {
                "name": "film_scale",
                "dtype": "float32",
                "shape": ["B", K, C8],
                "description": "neutral 1",
            },
            {
                "name": "film_shift",
                "dtype": "float32",
                "shape": ["B", K, C8],
                "description": "neutral 0",
            },
            {
                "name": "gate",
                "dtype": "float32",
                "shape": ["B", K, S, S],
                "description": "where FiLM acts, in [0, 1]; any value is neutral when FiLM "
                "is neutral",
            },
        ],
        "outputs": [
            {
                "name": "class_logits",
                "dtype": "float32",
                "shape": ["B", K, S, S],
                "description": "softmax over channel; argmax = class index (0 background)",
            },
            {
                "name": "prompt_logits",
                "dtype": "float32",
                "shape": ["B", 1, S, S],
                "description": "promptable mask, > 0 inside; meaningless without prompts",
            },
        ],
    }
    return enc, dec


@contextlib.contextmanager
def _without_prompt_head(model: CausalSAM) -> Iterator[None]:
    """Detach the prompt head while the encoder is traced. The encoder never reads it, but the
    tracer's generated value names depend on the whole module, so without this an added head
    would change encoder.onnx's bytes (and sha256) although its graph and weights are the same."""
    head = model.prompt_head
    model.prompt_head = None
    try:
        yield
    finally:
        model.prompt_head = head


def export_onnx(model: CausalSAM, out_dir: Path) -> Tuple[Path, Path, Optional[Path]]:
    """Write encoder.onnx and decoder.onnx (opset 17, dynamic batch and point count), and, when
    the model has a prompt head, prompt_decoder.onnx: the same decoder with the head on its prompt
    path. decoder.onnx leaves the head out, so automatic segmentation and interventions (which
    never read prompt_logits) do not pay for it; the app runs prompt_decoder.onnx for prompts."""
    model.eval()
    S, K, C8 = model.img_size, model.num_classes, model.mask_decoder.feature_dim
    x = torch.rand(1, 3, S, S)
    enc_path, dec_path = out_dir / "encoder.onnx", out_dir / "decoder.onnx"
    prompt_path = out_dir / "prompt_decoder.onnx" if model.prompt_head is not None else None
    with torch.no_grad(), _without_prompt_head(model):
        torch.onnx.export(
            EncoderOnnx(model),
            (x,),
            str(enc_path),
            opset_version=OPSET,
            input_names=["image"],
            output_names=["embeddings"],
            dynamic_axes={"image": {0: "B"}, "embeddings": {0: "B"}},
            do_constant_folding=True,
        )
    with torch.no_grad():
        emb = model.encode(x)
        args = (
            emb,
            torch.tensor([[[10.0, 20.0], [60.0, 70.0]]]),
            torch.tensor([[2.0, 3.0]]),
            torch.ones(1, K, C8),
            torch.zeros(1, K, C8),
            torch.ones(1, K, S, S),
        )
        names = ["embeddings", "point_coords", "point_labels", "film_scale", "film_shift", "gate"]
        dyn: Dict[str, Dict[int, str]] = {n: {0: "B"} for n in names}
        dyn["point_coords"] = {0: "B", 1: "N"}
        dyn["point_labels"] = {0: "B", 1: "N"}
        dyn["class_logits"] = {0: "B"}
        dyn["prompt_logits"] = {0: "B"}

        def export_decoder(path: Path) -> None:
            torch.onnx.export(
                DecoderOnnx(model),
                args,
                str(path),
                opset_version=OPSET,
                input_names=names,
                output_names=["class_logits", "prompt_logits"],
                dynamic_axes=dyn,
                do_constant_folding=True,
            )

        with _without_prompt_head(model):
            export_decoder(dec_path)
        if prompt_path is not None:
            export_decoder(prompt_path)
    enc_spec, dec_spec = io_spec(model)
    for p, spec in ((enc_path, enc_spec), (dec_path, dec_spec), (prompt_path, dec_spec)):
        if p is not None:
            set_io_shapes(p, spec)
    return enc_path, dec_path, prompt_path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_manifest(
    model: CausalSAM,
    model_id: str,
    enc_path: Path,
    dec_path: Path,
    class_names: Sequence[str],
    scores: Dict[str, Any],
    extra: Dict[str, Any],
    prompt_path: Optional[Path] = None,
) -> Dict[str, Any]:
    enc, dec = io_spec(model)
    C8 = model.mask_decoder.feature_dim
    d = model.intervention_directions.detach().numpy()
    directions = {
        kind: [
            {
                "scale": [round(float(v), 7) for v in d[t, k, 0]],
                "shift": [round(float(v), 7) for v in d[t, k, 1]],
            }
            for k in range(d.shape[1])
        ]
        for t, kind in enumerate(INTERVENTION_TYPES)
    }
    m: Dict[str, Any] = {
        "schemaVersion": 1,
        "kind": "segmentation",
        **({"changelog": extra["changelog"]} if "changelog" in extra else {}),
        "id": model_id,
        "name": extra.get("name", model_id),
        "version": extra.get("version", "0.1.0"),
        "description": extra.get("description", ""),
        "intendedUse": extra.get("intendedUse", "demo model, not for clinical use"),
        "licence": extra.get("licence", {"model": "Apache-2.0"}),
        "trainingData": extra["trainingData"],
        "scores": scores,
        "files": {
            "encoder": {
                "path": enc_path.name,
                "sha256": sha256(enc_path),
                "bytes": enc_path.stat().st_size,
            },
            "decoder": {
                "path": dec_path.name,
                "sha256": sha256(dec_path),
                "bytes": dec_path.stat().st_size,
            },
            **(
                {
                    "promptDecoder": {
                        "path": prompt_path.name,
                        "sha256": sha256(prompt_path),
                        "bytes": prompt_path.stat().st_size,
                    }
                }
                if prompt_path is not None
                else {}
            ),
        },
        "encoder": enc,
        "decoder": dec,
        **({"promptDecoder": dec} if prompt_path is not None else {}),
        "preprocessing": {
            "inputSize": model.img_size,
            "orientation": "slices on an LPS-aligned grid, array[row][col]: axial rows "
            "anterior->posterior, columns patient right->left; coronal rows superior->inferior, "
            "columns right->left; sagittal rows superior->inferior, columns anterior->posterior",
            "planes": list(extra.get("planes", ["axial"])),
            "inPlaneSpacingMm": float(extra.get("spacingMm", SPACING_MM)),
            "resampling": "in-plane linear interpolation to inPlaneSpacingMm; slices unchanged; "
            "slices along the acquisition plane (the axis with the largest spacing, axial when "
            "isotropic) when the model knows that plane",
            "padCrop": "centre pad with 0 (after normalisation) or centre crop to inputSize",
            "channels": "grey value replicated to the 3 input channels",
            "intensity": {
                m: {"method": "percentile", "percentiles": list(PERCENTILES), "scope": "volume"}
                for m in ("CT", "MR")
            },
            "postprocessing": "class map = argmax over class_logits channels; resample back with "
            "nearest neighbour",
        },
        "classes": class_table(list(class_names)),
        "prompt": {
            "supported": ["point", "box"],
            "coordinates": "(x, y) = (column, row) in pixels of the S x S input",
            "labels": {
                "-1": "padding",
                "0": "negative point",
                "1": "positive point",
                "2": "box top-left",
                "3": "box bottom-right",
            },
            "output": "prompt_logits > 0; with only padding points it is meaningless",
        },
        "intervention": {
            "inputs": ["film_scale", "film_shift", "gate"],
            "formula": "F_k = F + gate_k * ((film_scale_k - 1) * F + film_shift_k); "
            "class_logits_k = <w_k, F_k> + bias_k, with F the decoder's per-pixel features "
            "(featureDim channels at S/2) and w_k class k's hypernetwork weights; the gate is "
            "average-pooled to S/2 and logits bilinearly upsampled to S",
            "neutral": {"film_scale": 1.0, "film_shift": 0.0, "gate": 1.0},
            "featureDim": C8,
            "directions": directions,
            "trainedStrength": 1.0,
            "notes": "grow = fix under-segmentation, shrink = fix over-segmentation or a leak into "
            "a neighbour; set film_scale/film_shift for the target class only, gate 1 inside "
            "the region to correct and 0 elsewhere",
        },
        "parity": {
            "reference": "parity/reference.json",
            "tolerance": 1e-4,
            "producer": f"PyTorch {torch.__version__}",
        },
        "parameters": extra.get("parameters", {}),
        "architecture": extra.get("architecture", ""),
    }
    errs = validate_manifest(m)
    if errs:
        raise ValueError("manifest invalid: " + "; ".join(errs[:10]))
    return m


def export(
    model: CausalSAM,
    out_dir: Path,
    model_id: str,
    class_names: Sequence[str],
    parity_image: np.ndarray,
    scores: Dict[str, Any],
    extra: Dict[str, Any],
) -> Dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    enc_path, dec_path, prompt_path = export_onnx(model, out_dir)
    write_parity(model, parity_image, out_dir, cls=min(5, model.num_classes - 1))
    m = build_manifest(model, model_id, enc_path, dec_path, class_names, scores, extra, prompt_path)
    (out_dir / "manifest.json").write_text(json.dumps(m, indent=1) + "\n")
    # For inference: the encoder's shape arithmetic folded into constants, FLOPs in the manifest.
    for role, what in optimize_model_folder(out_dir).items():
        print(f"{role}: {what}")
    return json.loads((out_dir / "manifest.json").read_text())


def main(argv: Optional[Sequence[str]] = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--ckpt", required=True)
    p.add_argument("--id", default="causal-sam-demo")
    p.add_argument("--out", default=None, help="default models/<id>")
    p.add_argument("--scores", default=None, help="JSON from training.evaluate")
    p.add_argument(
        "--planes", default=None, help="planes trained on (default: the checkpoint's config)"
    )
    a = p.parse_args(argv)
    from .data.demo import load_demo_split
    from .evaluate import load_model

    torch.set_num_threads(1)
    model = load_model(a.ckpt)
    ev = json.loads(Path(a.scores).read_text()) if a.scores else {}
    test = load_demo_split("test")
    out = Path(a.out) if a.out else REPO / "models" / a.id
    from .train import configure_trainable

    configure_trainable(model, train_encoder=False)
    counts = model.trainable_summary()
    from .train import TrainConfig, default_spacing

    ck_cfg = torch.load(a.ckpt, map_location="cpu").get("config", {})
    known = {k: v for k, v in ck_cfg.items() if k in TrainConfig.__dataclass_fields__}
    planes = a.planes.split(",") if a.planes else list(ck_cfg.get("planes", ["axial"]))
    extra = {
        "spacingMm": default_spacing(TrainConfig(**known)),
        "planes": planes,
        "name": "Causal-SAM demo (abdominal CT organs, 2D, %s)" % "/".join(planes),
        "description": "Narrow SAM ViT encoder (frozen) + adapter + SAM prompt encoder + two-way "
        "decoder with class queries and TCI FiLM/gate inputs; trained on one CT.",
        "trainingData": DEMO_TRAINING_DATA,
        "parameters": {
            "total": int(counts["total"]),
            "trainable": int(counts["trainable"]),
            "trainableFraction": round(counts["fraction"], 4),
        },
        "architecture": "image encoder: SAM ViT (demo size: 128 px, patch 8, width 192, depth 6)",
    }
    scores = scores_from_eval(ev, "example_ct held-out slices z 88-97")
    if "ukat_mr_kidneys" in ev:
        scores["results"].extend(mr_results(ev["ukat_mr_kidneys"]))
    export(model, out, a.id, list(DEMO_CLASSES), test.images[len(test) // 2], scores, extra)
    print(f"exported to {out}")
    print(f"out-of-distribution score: node scripts/calibrate-ood.mjs {out} (writes ood.json)")


if __name__ == "__main__":
    main()
