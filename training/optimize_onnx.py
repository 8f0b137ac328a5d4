"""Export for inference: fold an exported ONNX graph's shape arithmetic into constants.

PyTorch's tracer records every ``x.shape[i]`` of the model code as ``Shape -> Gather -> Unsqueeze
-> Concat`` chains, and the relative-position lookups of windowed attention as ``Range -> Mul ->
Sub -> Cast -> Gather`` on parameters; it folds none of them, even when every size but the batch
is fixed (the demo ViT encoder: 1,465 nodes for 36 matrix products). onnxruntime cannot fold them
either while the batch is symbolic. Here they are folded with the batch fixed, twice (batch 1 and
batch 2): a constant that is the same in both runs does not depend on the batch; one that differs
may only be a ``Reshape`` target whose entry for the batch-carrying axis becomes ``-1``, which
keeps the graph's batch dynamic (anything else that depends on the batch is refused: the graph
is then left as exported). Relative-position tables, window index arithmetic and padding checks
become precomputed constants.

The numbers do not change: the folded nodes are evaluated with numpy exactly as onnxruntime would
evaluate them, and the model's parity files (``parity/``) are replayed against the folded graph
by ``test/unit/modelParity.test.ts``.

Usage (rewrites the folder's graphs in place and updates the manifest's sha256 and sizes)::

    /usr/bin/python3 -m training.optimize_onnx models/causal-sam-demo
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

import numpy as np
import onnx
from onnx import helper, numpy_helper

# Folded constants larger than this stay computed at run time (they would only bloat the file).
MAX_FOLDED_ELEMENTS = 1 << 20
DTYPES = {
    onnx.TensorProto.FLOAT: np.float32,
    onnx.TensorProto.DOUBLE: np.float64,
    onnx.TensorProto.INT64: np.int64,
    onnx.TensorProto.INT32: np.int32,
    onnx.TensorProto.BOOL: np.bool_,
    onnx.TensorProto.UINT8: np.uint8,
    onnx.TensorProto.INT8: np.int8,
    onnx.TensorProto.FLOAT16: np.float16,
}


class NotFoldable(ValueError):
    """The graph depends on the batch in a way a constant cannot express."""


def _attr(node: onnx.NodeProto, name: str, default=None):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def _axes(node: onnx.NodeProto, ins: List[Optional[np.ndarray]], pos: int) -> Optional[List[int]]:
    """Axes from the attribute (opset < 13) or from input ``pos`` (opset >= 13)."""
    if len(ins) > pos and ins[pos] is not None:
        return [int(a) for a in ins[pos]]
    a = _attr(node, "axes")
    return None if a is None else [int(v) for v in a]


def _slice(node: onnx.NodeProto, ins: List[Optional[np.ndarray]]) -> np.ndarray:
    x, starts, ends = ins[0], ins[1], ins[2]
    axes = list(ins[3]) if len(ins) > 3 and ins[3] is not None else list(range(len(starts)))
    steps = list(ins[4]) if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
    index = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        n = x.shape[int(a)]
        s, e, st = int(s), int(e), int(st)
        # ONNX clamps; numpy slices do the same except for the INT64 extremes, which fit anyway.
        index[int(a)] = slice(max(min(s, n), -n - 1), max(min(e, n), -n - 1), st)
    return x[tuple(index)]


def _unsqueeze(node: onnx.NodeProto, ins: List[Optional[np.ndarray]]) -> np.ndarray:
    x = ins[0]
    axes = sorted(a % (x.ndim + len(_axes(node, ins, 1) or [])) for a in _axes(node, ins, 1) or [])
    for a in axes:
        x = np.expand_dims(x, a)
    return x


def _squeeze(node: onnx.NodeProto, ins: List[Optional[np.ndarray]]) -> np.ndarray:
    axes = _axes(node, ins, 1)
    return np.squeeze(ins[0], axis=None if axes is None else tuple(a % ins[0].ndim for a in axes))


def _reshape(node: onnx.NodeProto, ins: List[Optional[np.ndarray]]) -> np.ndarray:
    x, shape = ins[0], [int(v) for v in ins[1]]
    shape = [x.shape[i] if v == 0 else v for i, v in enumerate(shape)]
    return x.reshape(shape)


def _range(node: onnx.NodeProto, ins: List[Optional[np.ndarray]]) -> np.ndarray:
    start, limit, delta = ins[0], ins[1], ins[2]
    return np.arange(start, limit, delta, dtype=np.result_type(start, limit, delta))


def _div(node: onnx.NodeProto, ins: List[Optional[np.ndarray]]) -> np.ndarray:
    a, b = ins[0], ins[1]
    if np.issubdtype(a.dtype, np.integer):
        return (np.trunc(a / b)).astype(a.dtype)  # ONNX integer Div truncates
    return (a / b).astype(a.dtype)


def _mod(node: onnx.NodeProto, ins: List[Optional[np.ndarray]]) -> np.ndarray:
    a, b = ins[0], ins[1]
    return np.fmod(a, b) if _attr(node, "fmod", 0) else np.mod(a, b)


def _constant_of_shape(node: onnx.NodeProto, ins: List[Optional[np.ndarray]]) -> np.ndarray:
    value = _attr(node, "value")
    fill = numpy_helper.to_array(value) if value is not None else np.zeros(1, np.float32)
    return np.full([int(v) for v in ins[0]], fill.reshape(-1)[0], dtype=fill.dtype)


def _same_dtype(fn: Callable[..., np.ndarray]) -> Callable:
    return lambda node, ins: np.asarray(fn(*ins)).astype(ins[0].dtype)


EVALUATORS: Dict[str, Callable[[onnx.NodeProto, List[Optional[np.ndarray]]], np.ndarray]] = {
    "Identity": lambda node, ins: ins[0],
    "Cast": lambda node, ins: ins[0].astype(DTYPES[_attr(node, "to")]),
    "Gather": lambda node, ins: np.take(
        ins[0], ins[1].astype(np.int64), axis=_attr(node, "axis", 0)
    ),
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Concat": lambda node, ins: np.concatenate(ins, axis=_attr(node, "axis")),
    "Reshape": _reshape,
    "Transpose": lambda node, ins: np.transpose(ins[0], _attr(node, "perm")),
    "Slice": _slice,
    "Range": _range,
    "Add": _same_dtype(np.add),
    "Sub": _same_dtype(np.subtract),
    "Mul": _same_dtype(np.multiply),
    "Div": _div,
    "Mod": _mod,
    "Neg": _same_dtype(np.negative),
    "Floor": _same_dtype(np.floor),
    "Ceil": _same_dtype(np.ceil),
    "Sqrt": _same_dtype(np.sqrt),
    "Min": _same_dtype(np.minimum),
    "Max": _same_dtype(np.maximum),
    "Equal": lambda node, ins: np.equal(ins[0], ins[1]),
    "Less": lambda node, ins: np.less(ins[0], ins[1]),
    "Greater": lambda node, ins: np.greater(ins[0], ins[1]),
    "Not": lambda node, ins: np.logical_not(ins[0]),
    "And": lambda node, ins: np.logical_and(ins[0], ins[1]),
    "Or": lambda node, ins: np.logical_or(ins[0], ins[1]),
    "Where": lambda node, ins: np.where(ins[0], ins[1], ins[2]),
    "ConstantOfShape": _constant_of_shape,
    "Expand": lambda node, ins: ins[0] * np.ones([int(v) for v in ins[1]], dtype=ins[0].dtype),
}


def _static_shapes(model: onnx.ModelProto) -> Dict[str, List[int]]:
    """Fully known shapes of every tensor onnx's shape inference can tell."""
    inferred = onnx.shape_inference.infer_shapes(model)
    out: Dict[str, List[int]] = {}
    for vi in (
        list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output)
    ):
        dims = vi.type.tensor_type.shape.dim
        if vi.type.tensor_type.HasField("shape") and all(d.HasField("dim_value") for d in dims):
            out[vi.name] = [d.dim_value for d in dims]
    return out


def _fold_once(model: onnx.ModelProto) -> int:
    """Evaluate every node whose inputs are constants (or a Shape of a known shape); returns how
    many nodes were replaced by initializers."""
    g = model.graph
    consts: Dict[str, np.ndarray] = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    shapes = _static_shapes(model)
    kept: List[onnx.NodeProto] = []
    folded: Dict[str, np.ndarray] = {}
    for node in g.node:
        value: Optional[np.ndarray] = None
        if node.op_type == "Constant":
            value = numpy_helper.to_array(_attr(node, "value"))
        elif node.op_type == "Shape" and node.input[0] in shapes:
            start, end = _attr(node, "start", 0), _attr(node, "end", None)
            value = np.array(shapes[node.input[0]][start:end], dtype=np.int64)
        elif node.op_type in EVALUATORS and all(n == "" or n in consts for n in node.input):
            ins = [consts[n] if n else None for n in node.input]
            value = np.asarray(EVALUATORS[node.op_type](node, ins))
        if value is None or value.size > MAX_FOLDED_ELEMENTS or len(node.output) != 1:
            kept.append(node)
            continue
        consts[node.output[0]] = value
        folded[node.output[0]] = value
    if not folded:
        return 0
    needed: Set[str] = {n for node in kept for n in node.input} | {o.name for o in g.output}
    inits = [i for i in g.initializer if i.name in needed]
    inits += [numpy_helper.from_array(v, k) for k, v in folded.items() if k in needed]
    del g.node[:]
    g.node.extend(kept)
    del g.initializer[:]
    g.initializer.extend(inits)
    # Stale intermediate shapes (the tracer's symbolic ones) would hide the folded, static ones.
    del g.value_info[:]
    return len(folded)


def fold_static(model: onnx.ModelProto, sizes: Dict[str, int]) -> onnx.ModelProto:
    """A copy of ``model`` with each symbolic input dimension (e.g. ``B``) fixed to ``sizes[..]``
    and every foldable node folded, repeatedly until nothing changes."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for vi in m.graph.input:
        for d in vi.type.tensor_type.shape.dim:
            if d.HasField("dim_param"):
                if d.dim_param not in sizes:
                    raise NotFoldable(f"no size given for the symbolic dimension {d.dim_param}")
                d.dim_value = sizes[d.dim_param]
    # Output shapes follow from the inputs; the tracer's names for them would only get in the way.
    for vi in m.graph.output:
        vi.type.tensor_type.ClearField("shape")
    while _fold_once(m):
        pass
    return m


def _dynamic_reshape_target(one: List[int], two: List[int], name: str) -> np.ndarray:
    """The target of a Reshape whose output is ``one`` at batch 1 and ``two`` at batch 2: the
    explicit output shape with the one batch-carrying entry -1 (Reshape infers it)."""
    if len(one) != len(two):
        raise NotFoldable(f"{name}: a batch-dependent reshape of varying rank")
    differ = [k for k, (a, b) in enumerate(zip(one, two)) if a != b]
    if len(differ) != 1:
        raise NotFoldable(f"{name}: a reshape with {len(differ)} batch-dependent sizes")
    out = np.array(one, dtype=np.int64)
    out[differ[0]] = -1
    return out


def fold_with_dynamic(model: onnx.ModelProto, dim: str = "B") -> onnx.ModelProto:
    """Fold with the symbolic dimension ``dim`` fixed to 1 and to 2 and keep it dynamic: constants
    equal in both runs are batch-independent; differing ones must be Reshape targets."""
    other = {
        d.dim_param
        for vi in model.graph.input
        for d in vi.type.tensor_type.shape.dim
        if d.HasField("dim_param") and d.dim_param != dim
    }
    if other:
        raise NotFoldable(f"symbolic dimensions other than {dim}: {sorted(other)}")
    one, two = fold_static(model, {dim: 1}), fold_static(model, {dim: 2})
    if [n.op_type for n in one.graph.node] != [n.op_type for n in two.graph.node]:
        raise NotFoldable("the graph folds differently for batch 1 and batch 2")
    consts_two = {i.name: numpy_helper.to_array(i) for i in two.graph.initializer}
    shapes_one, shapes_two = _static_shapes(one), _static_shapes(two)
    reshaped: Dict[str, List[str]] = {}  # target constant -> outputs of the Reshapes using it
    other_use: Set[str] = set()
    for node in one.graph.node:
        for k, n in enumerate(node.input):
            if node.op_type == "Reshape" and k == 1:
                reshaped.setdefault(n, []).append(node.output[0])
            else:
                other_use.add(n)
    inits: List[onnx.TensorProto] = []
    for init in one.graph.initializer:
        a, b = numpy_helper.to_array(init), consts_two[init.name]
        if a.shape == b.shape and np.array_equal(a, b):
            inits.append(init)
            continue
        outs = reshaped.get(init.name, [])
        if init.name in other_use or not outs:
            raise NotFoldable(f"{init.name}: a batch-dependent constant used by other than Reshape")
        targets = {
            tuple(_dynamic_reshape_target(shapes_one[o], shapes_two[o], init.name)) for o in outs
        }
        if len(targets) != 1:
            raise NotFoldable(f"{init.name}: one target for reshapes of different outputs")
        target = np.array(targets.pop(), dtype=np.int64)
        inits.append(numpy_helper.from_array(target, init.name))
    del one.graph.initializer[:]
    one.graph.initializer.extend(inits)
    # The graph's inputs and outputs keep their symbolic batch, as exported.
    for src, dst in zip(
        list(model.graph.input) + list(model.graph.output),
        list(one.graph.input) + list(one.graph.output),
    ):
        dst.CopyFrom(src)
    onnx.checker.check_model(one)
    return one


def count_flops(model: onnx.ModelProto) -> int:
    """Floating-point operations (multiply and add counted apart) of one sample: the matrix
    products and convolutions of ``model`` folded at batch 1 (and one point for a decoder)."""
    sizes = {
        d.dim_param: 1
        for vi in model.graph.input
        for d in vi.type.tensor_type.shape.dim
        if d.HasField("dim_param")
    }
    m = fold_static(model, sizes)
    shapes = _static_shapes(m)
    consts = {i.name: list(i.dims) for i in m.graph.initializer}
    shapes.update(consts)
    total = 0
    for node in m.graph.node:
        out = shapes.get(node.output[0])
        ins = [shapes.get(n) for n in node.input]
        if out is None or any(s is None for s in ins[:2]):
            continue
        n_out = int(np.prod(out))
        if node.op_type in ("MatMul", "FusedMatMul"):
            total += 2 * n_out * ins[0][-1]
        elif node.op_type == "Gemm":
            total += 2 * n_out * (ins[0][0] if _attr(node, "transA", 0) else ins[0][-1])
        elif node.op_type == "Conv":
            total += 2 * n_out * int(np.prod(ins[1][1:]))
        elif node.op_type == "ConvTranspose":
            total += 2 * int(np.prod(ins[0])) * int(np.prod(ins[1][1:]))
        elif node.op_type == "Einsum":
            eq = _attr(node, "equation").decode().replace(" ", "").split("->")[0]
            letters: Dict[str, int] = {}
            for term, shape in zip(eq.split(","), ins):
                letters.update(zip(term, shape))
            total += 2 * int(np.prod(list(letters.values())))
    return total


def optimize_file(path: Path) -> Tuple[int, int]:
    """Fold ``path`` in place (batch kept dynamic); returns the node counts before and after.
    A graph that cannot be folded that way is left as it is (``NotFoldable``)."""
    model = onnx.load(str(path))
    before = len(model.graph.node)
    folded = fold_with_dynamic(model)
    onnx.save(folded, str(path))
    return before, len(folded.graph.node)


def _file_entry(path: Path) -> Dict[str, object]:
    import hashlib

    return {
        "path": path.name,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "bytes": path.stat().st_size,
    }


GRAPHS = (("encoder", "encoder"), ("decoder", "decoder"), ("promptDecoder", "promptDecoder"))


def optimize_model_folder(folder: Path, fold: Sequence[str] = ("encoder",)) -> Dict[str, str]:
    """Fold the graphs of the roles in ``fold`` in a model folder, count every graph's FLOPs per
    sample into the manifest (``<graph>.flopsPerSample``) and update its file entries. The
    decoders keep their shape arithmetic: their prompt-point count is a second symbolic size,
    and they run once per slice on cached embeddings (about 5 % of the encoder's work)."""
    from .manifest import validate_manifest

    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    report: Dict[str, str] = {}
    for role, graph in GRAPHS:
        entry = manifest["files"].get(role)
        if entry is None:
            continue
        path = folder / entry["path"]
        what = "kept"
        if role in fold:
            try:
                before, after = optimize_file(path)
                what = f"folded {before} -> {after} nodes"
            except NotFoldable as e:
                what = f"left as exported ({e})"
        model = onnx.load(str(path))
        flops = count_flops(model)
        manifest["files"][role] = _file_entry(path)
        manifest[graph]["flopsPerSample"] = flops
        report[role] = f"{what}; {len(model.graph.node)} nodes, {flops / 1e9:.3f} GFLOP per sample"
    errs = validate_manifest(manifest)
    if errs:
        raise ValueError("manifest invalid: " + "; ".join(errs[:10]))
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")
    return report


def main(argv: Optional[Sequence[str]] = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder", help="a model folder (models/<id>) with manifest.json")
    a = p.parse_args(argv)
    folder = Path(a.folder)
    if not (folder / "manifest.json").is_file():
        sys.exit(f"{folder}: no manifest.json (export a model first: python -m training.export)")
    for role, what in optimize_model_folder(folder).items():
        print(f"{folder / role}: {what}")


if __name__ == "__main__":
    main()
