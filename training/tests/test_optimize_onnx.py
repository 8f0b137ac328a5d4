"""Export for inference (training/optimize_onnx.py): shape arithmetic folds into constants with the
batch kept dynamic, batch-dependent constants other than reshape targets are refused, and the FLOP
count matches hand arithmetic. Numerical equality of folded graphs is checked in onnxruntime-node
by test/unit/modelParity.test.ts (the shipped encoder is folded, at batch 1 and 3)."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from training.optimize_onnx import NotFoldable, count_flops, fold_with_dynamic


def _model(nodes, inputs, outputs, inits=()) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _const(name: str, value) -> onnx.TensorProto:
    return numpy_helper.from_array(np.array(value, dtype=np.int64), name)


def test_shape_chain_folds_to_a_reshape_with_dynamic_batch() -> None:
    # Y = X.reshape(X.shape[0], X.shape[1] * X.shape[2]), as the tracer writes it.
    nodes = [
        helper.make_node("Shape", ["X"], ["s"]),
        helper.make_node("Gather", ["s", "i0"], ["d0"], axis=0),
        helper.make_node("Gather", ["s", "i1"], ["d1"], axis=0),
        helper.make_node("Gather", ["s", "i2"], ["d2"], axis=0),
        helper.make_node("Mul", ["d1", "d2"], ["p"]),
        helper.make_node("Unsqueeze", ["d0", "ax"], ["u0"]),
        helper.make_node("Unsqueeze", ["p", "ax"], ["u1"]),
        helper.make_node("Concat", ["u0", "u1"], ["t"], axis=0),
        helper.make_node("Reshape", ["X", "t"], ["Y"]),
    ]
    m = _model(
        nodes,
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["B", 4, 6])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["B", 24])],
        [_const("i0", 0), _const("i1", 1), _const("i2", 2), _const("ax", [0])],
    )
    folded = fold_with_dynamic(m)
    assert [n.op_type for n in folded.graph.node] == ["Reshape"]
    target = {i.name: numpy_helper.to_array(i) for i in folded.graph.initializer}["t"]
    assert target.tolist() == [-1, 24]
    # The interface is unchanged: the batch stays symbolic.
    assert folded.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "B"


def test_batch_dependent_constant_outside_a_reshape_is_refused() -> None:
    # Y = X + zeros(X.shape): the folded zeros would have the batch baked in.
    nodes = [
        helper.make_node("Shape", ["X"], ["s"]),
        helper.make_node(
            "ConstantOfShape", ["s"], ["z"], value=helper.make_tensor("v", 1, [1], [0])
        ),
        helper.make_node("Add", ["X", "z"], ["Y"]),
    ]
    m = _model(
        nodes,
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["B", 4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["B", 4])],
    )
    with pytest.raises(NotFoldable):
        fold_with_dynamic(m)


def test_flop_count() -> None:
    # MatMul [1, 3] x [3, 5]: 15 multiplies + 15 adds; Conv 2 -> 4 channels, 3 x 3, on 8 x 8 out.
    nodes = [
        helper.make_node("MatMul", ["X", "W"], ["Y"]),
        helper.make_node("Conv", ["I", "K"], ["O"], pads=[1, 1, 1, 1]),
    ]
    w = numpy_helper.from_array(np.zeros((3, 5), np.float32), "W")
    k = numpy_helper.from_array(np.zeros((4, 2, 3, 3), np.float32), "K")
    m = _model(
        nodes,
        [
            helper.make_tensor_value_info("X", TensorProto.FLOAT, ["B", 3]),
            helper.make_tensor_value_info("I", TensorProto.FLOAT, ["B", 2, 8, 8]),
        ],
        [
            helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["B", 5]),
            helper.make_tensor_value_info("O", TensorProto.FLOAT, ["B", 4, 8, 8]),
        ],
        [w, k],
    )
    assert count_flops(m) == 2 * 3 * 5 + 2 * (4 * 8 * 8) * (2 * 3 * 3)
