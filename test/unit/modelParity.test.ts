// Parity of the exported Causal-SAM ONNX models with the PyTorch reference written by
// training/export.py: every model folder in models/ whose manifest names a parity reference is
// run in onnxruntime-node and compared (max abs difference <= tolerance, 1e-4).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { modelFolder, requireData } from './requireData';

interface TensorRef {
  name: string;
  file: string;
  dtype: 'float32';
  storedAs: 'float32' | 'uint8';
  shape: number[];
}
interface GraphRef {
  inputs: TensorRef[];
  outputs: TensorRef[];
}
interface ParityRef {
  tolerance: number;
  encoder: GraphRef;
  decoder: GraphRef;
}
interface FileEntry {
  path: string;
  sha256: string;
  bytes: number;
}
interface Manifest {
  id: string;
  files: { encoder: FileEntry; decoder: FileEntry; promptDecoder?: FileEntry };
  parity: { reference: string; tolerance: number };
  classes: { index: number; name: string }[];
  decoder: { outputs: { name: string; shape: (number | string)[] }[] };
}

const modelsDir = process.env.CAUSAL_SAM_MODELS_DIR ?? join(process.cwd(), 'models');
const modelIds = existsSync(modelsDir)
  ? readdirSync(modelsDir).filter((d) => existsSync(join(modelsDir, d, 'manifest.json')))
  : [];

function readTensor(dir: string, ref: TensorRef): ort.Tensor {
  const buf = readFileSync(join(dir, ref.file));
  let data: Float32Array;
  if (ref.storedAs === 'uint8') {
    data = Float32Array.from(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  } else {
    data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  }
  return new ort.Tensor('float32', data, ref.shape);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function runGraph(
  modelPath: string,
  dir: string,
  graph: GraphRef,
): Promise<{ outputs: Record<string, ort.Tensor>; expected: Record<string, ort.Tensor> }> {
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1 });
  const feeds: Record<string, ort.Tensor> = {};
  for (const ref of graph.inputs) feeds[ref.name] = readTensor(dir, ref);
  const outputs = await session.run(feeds);
  const expected: Record<string, ort.Tensor> = {};
  for (const ref of graph.outputs) expected[ref.name] = readTensor(dir, ref);
  await session.release();
  return { outputs, expected };
}

describe('exported model parity (onnxruntime-node vs PyTorch)', () => {
  requireData(modelFolder(join(modelsDir, 'causal-sam-demo')));
  for (const id of modelIds) {
    const dir = join(modelsDir, id);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    const refPath = join(dir, manifest.parity.reference);
    const parityDir = join(refPath, '..');
    const ref = JSON.parse(readFileSync(refPath, 'utf8')) as ParityRef;
    const tol = manifest.parity.tolerance;

    it(`${id}: files match the manifest's sha256 and size`, () => {
      for (const f of Object.values(manifest.files)) {
        const bytes = readFileSync(join(dir, f.path));
        expect(bytes.byteLength).toBe(f.bytes);
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
      }
      expect(tol).toBeLessThanOrEqual(1e-4);
    });

    it(`${id}: encoder matches the reference`, async () => {
      const { outputs, expected } = await runGraph(
        join(dir, manifest.files.encoder.path),
        parityDir,
        ref.encoder,
      );
      for (const name of Object.keys(expected)) {
        expect(outputs[name].dims).toEqual(expected[name].dims);
        const d = maxAbsDiff(outputs[name].data as Float32Array, expected[name].data as Float32Array);
        expect(d).toBeLessThanOrEqual(tol);
      }
    }, 60_000);

    // The encoder is exported for inference with its shape arithmetic folded for a dynamic batch
    // (training/optimize_onnx.py): three copies of the reference slice in one batch must each give
    // the reference embeddings.
    it(`${id}: encoder gives the reference for every slice of a batch of 3`, async () => {
      const [input] = ref.encoder.inputs;
      const [output] = ref.encoder.outputs;
      const one = readTensor(parityDir, input).data as Float32Array;
      const three = new Float32Array(one.length * 3);
      for (let b = 0; b < 3; b++) three.set(one, b * one.length);
      const session = await ort.InferenceSession.create(join(dir, manifest.files.encoder.path), {
        intraOpNumThreads: 1,
      });
      const result = await session.run({
        [input.name]: new ort.Tensor('float32', three, [3, ...input.shape.slice(1)]),
      });
      await session.release();
      const got = result[output.name];
      const expected = readTensor(parityDir, output).data as Float32Array;
      expect(got.dims).toEqual([3, ...output.shape.slice(1)]);
      for (let b = 0; b < 3; b++) {
        const slice = (got.data as Float32Array).subarray(b * expected.length, (b + 1) * expected.length);
        expect(maxAbsDiff(slice, expected)).toBeLessThanOrEqual(tol);
      }
    }, 60_000);

    // The reference was made by the full model; a model with a prompt decoder answers prompts with it,
    // and its plain decoder (no prompt head) must still give the same class logits.
    const graphs = manifest.files.promptDecoder
      ? [
          { file: manifest.files.promptDecoder, outputs: ['class_logits', 'prompt_logits'] },
          { file: manifest.files.decoder, outputs: ['class_logits'] },
        ]
      : [{ file: manifest.files.decoder, outputs: ['class_logits', 'prompt_logits'] }];
    for (const graph of graphs) {
      it(`${id}: ${graph.file.path} matches the reference (box prompt + intervention): ${graph.outputs.join(', ')}`, async () => {
        const { outputs, expected } = await runGraph(join(dir, graph.file.path), parityDir, ref.decoder);
        expect(Object.keys(expected).sort()).toEqual(['class_logits', 'prompt_logits']);
        for (const name of graph.outputs) {
          expect(outputs[name].dims).toEqual(expected[name].dims);
          const d = maxAbsDiff(outputs[name].data as Float32Array, expected[name].data as Float32Array);
          expect(d).toBeLessThanOrEqual(tol);
        }
        expect(outputs.class_logits.dims[1]).toBe(manifest.classes.length);
      }, 60_000);
    }
  }
});
