// A run's memory, estimated before it starts so that a study too large for the machine is refused
// with the estimate rather than failing half way.
import type { ModelManifest } from '../../../shared/modelManifest';
import type { SliceFrame } from './preprocess';

export interface MemoryEstimate {
  bytes: number;
  parts: Record<string, number>;
}

/** Symbolic sizes resolved: B the batch, the rest from the manifest's fixed dimensions. */
export function tensorBytes(shape: (number | string)[], batch: number): number {
  return shape.reduce<number>((n, d) => n * (typeof d === 'number' ? d : d === 'B' ? batch : 1), 4);
}

export function estimateMemory(
  manifest: ModelManifest,
  frame: SliceFrame,
  voxelCount: number,
  options: { batch: number; cacheBytes: number; percentileSort: boolean; studyBytes: number },
): MemoryEstimate {
  const { batch } = options;
  const emb = tensorBytes(manifest.encoder.outputs[0].shape, 1);
  const parts: Record<string, number> = {
    // ORT holds the weights once and about as much again while it optimises the graph.
    'model weights': 2 * (manifest.files.encoder.bytes + manifest.files.decoder.bytes),
    'encoder input batch': tensorBytes(manifest.encoder.inputs[0].shape, batch),
    'embeddings (cached slices)': Math.min(options.cacheBytes, emb * frame.slices),
    'decoder inputs and outputs (one batch)':
      manifest.decoder.inputs.reduce((n, t) => n + tensorBytes(t.shape, batch), 0) +
      manifest.decoder.outputs.reduce((n, t) => n + tensorBytes(t.shape, batch), 0),
    // uint16 label map on the study's grid, plus the study copy the worker holds.
    'label map': 2 * voxelCount,
    'study copy in the worker': options.studyBytes,
  };
  if (options.percentileSort) parts['percentile sort (MR)'] = 4 * voxelCount;
  return { bytes: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

export const formatMb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MB`;
