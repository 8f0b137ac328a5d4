"""Export: ONNX graphs (opset 17) match the manifest, the manifest validates against the
schema, parity files are written; the shipped demo model is consistent with its manifest."""

import hashlib
import json
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from training.export import DEMO_TRAINING_DATA, export
from training.manifest import load_schema, validate, validate_manifest
from training.modeling import build_model

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "models" / "causal-sam-demo"


def _dims(vi) -> list:
    return [d.dim_param if d.dim_param else d.dim_value for d in vi.type.tensor_type.shape.dim]


def test_tiny_export(tmp_path) -> None:
    torch.manual_seed(0)
    m = build_model("tiny", 3)
    m.eval()
    img = np.random.default_rng(0).random((32, 32)).astype(np.float32)
    scores = {"referenceLabels": "synthetic", "results": []}
    man = export(
        m,
        tmp_path,
        "tiny-test",
        ["liver", "spleen"],
        img,
        scores,
        {"trainingData": DEMO_TRAINING_DATA},
    )
    assert validate_manifest(man) == []
    # A prompt head ships as its own decoder graph: the automatic path does not pay for it.
    assert set(man["files"]) == {"encoder", "decoder", "promptDecoder"}
    for part in [p for p in ("encoder", "decoder", "promptDecoder") if p in man["files"]]:
        g = onnx.load(str(tmp_path / man["files"][part]["path"]))
        assert g.opset_import[0].version == 17
        spec = man[part]
        assert [i.name for i in g.graph.input] == [t["name"] for t in spec["inputs"]]
        assert [o.name for o in g.graph.output] == [t["name"] for t in spec["outputs"]]
        for vi, t in zip(
            list(g.graph.input) + list(g.graph.output), spec["inputs"] + spec["outputs"]
        ):
            assert _dims(vi) == t["shape"], (vi.name, _dims(vi), t["shape"])
    # Exported for inference: the encoder's shape arithmetic is folded, FLOPs are counted.
    enc = onnx.load(str(tmp_path / man["files"]["encoder"]["path"]))
    assert not {"Shape", "Gather", "Range", "Mod"} & {n.op_type for n in enc.graph.node}
    assert all(man[p]["flopsPerSample"] > 0 for p in ("encoder", "decoder", "promptDecoder"))
    ref = json.loads((tmp_path / "parity" / "reference.json").read_text())
    out = ref["decoder"]["outputs"][0]
    data = np.frombuffer((tmp_path / "parity" / out["file"]).read_bytes(), "<f4")
    assert data.size == np.prod(out["shape"])
    assert [c["name"] for c in man["classes"]] == ["background", "liver", "spleen"]


def test_schema_rejects_bad_manifest() -> None:
    schema = load_schema()
    assert validate({"id": "x"}, schema, schema)  # missing fields
    bad = {"path": "a.onnx", "sha256": "zz", "bytes": 1}
    assert validate(bad, schema["$defs"]["file"], schema)


@pytest.mark.skipif(not (DEMO / "manifest.json").exists(), reason="demo model not exported yet")
def test_shipped_demo_model() -> None:
    man = json.loads((DEMO / "manifest.json").read_text())
    assert validate_manifest(man) == []
    total = 0
    for part in man["files"]:
        f = man["files"][part]
        data = (DEMO / f["path"]).read_bytes()
        assert len(data) == f["bytes"]
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
        total += len(data)
    assert total < 30 * 1024 * 1024
    assert man["intendedUse"] == "demo model, not for clinical use"
    assert "not manual ground truth" in man["scores"]["referenceLabels"]
    parity = sum(p.stat().st_size for p in (DEMO / "parity").iterdir())
    assert parity < 2 * 1024 * 1024
