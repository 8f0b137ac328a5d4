// Just enough of ONNX's protobuf for the benchmarks: count a model's graph nodes, and write a
// one-MatMul model to measure what onnxruntime-node's matrix product reaches on this machine (the
// yardstick for the encoder's GFLOP/s). Field numbers from onnx/onnx.proto: ModelProto.graph = 7,
// GraphProto.node = 1, input = 11, output = 12; NodeProto.input = 1, output = 2, op_type = 4.
import * as ort from 'onnxruntime-node';

function readVarint(buf, pos) {
  let value = 0;
  let shift = 1;
  for (;;) {
    const byte = buf[pos++];
    value += (byte & 0x7f) * shift;
    if (byte < 0x80) return [value, pos];
    shift *= 128;
  }
}

/** The length-delimited fields numbered `field` of one protobuf message, as subarrays. */
function fields(buf, field) {
  const out = [];
  let pos = 0;
  while (pos < buf.length) {
    let key;
    [key, pos] = readVarint(buf, pos);
    const wire = key % 8;
    const number = Math.floor(key / 8);
    if (wire === 0) [, pos] = readVarint(buf, pos);
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      let len;
      [len, pos] = readVarint(buf, pos);
      if (number === field) out.push(buf.subarray(pos, pos + len));
      pos += len;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  return out;
}

/** Nodes in an ONNX model's main graph. */
export function countNodes(modelBytes) {
  const [graph] = fields(modelBytes, 7);
  return graph ? fields(graph, 1).length : 0;
}

function varint(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const field = (number, bytes) => [...varint(number * 8 + 2), ...varint(bytes.length), ...bytes];
const text = (s) => [...new TextEncoder().encode(s)];
const int = (number, n) => [...varint(number * 8), ...varint(n)];

function tensorInfo(name, dims) {
  const shape = dims.flatMap((d) => field(1, int(1, d)));
  const tensorType = [...int(1, 1), ...field(2, shape)]; // elem_type FLOAT
  return [...field(1, text(name)), ...field(2, field(1, tensorType))];
}

/** A model computing Y[m, n] = A[m, k] · B[k, n] (opset 17). */
export function matmulModel(m, k, n) {
  const node = [
    ...field(1, text('A')),
    ...field(1, text('B')),
    ...field(2, text('Y')),
    ...field(4, text('MatMul')),
  ];
  const graph = [
    ...field(1, node),
    ...field(2, text('matmul')),
    ...field(11, tensorInfo('A', [m, k])),
    ...field(11, tensorInfo('B', [k, n])),
    ...field(12, tensorInfo('Y', [m, n])),
  ];
  const opset = [...field(1, []), ...int(2, 17)];
  return Uint8Array.from([...int(1, 8), ...field(7, graph), ...field(8, opset)]);
}

/** Best GFLOP/s of onnxruntime-node's MatMul over `runs` runs, on `threads` intra-op threads. */
export async function matmulGflops(m, k, n, threads, runs = 10) {
  const session = await ort.InferenceSession.create(matmulModel(m, k, n), {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const a = new ort.Tensor(
    'float32',
    new Float32Array(m * k).map(() => Math.random()),
    [m, k],
  );
  const b = new ort.Tensor(
    'float32',
    new Float32Array(k * n).map(() => Math.random()),
    [k, n],
  );
  await session.run({ A: a, B: b });
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    await session.run({ A: a, B: b });
    best = Math.min(best, performance.now() - started);
  }
  await session.release();
  return (2 * m * k * n) / (best * 1e6);
}
