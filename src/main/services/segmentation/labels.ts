// Label assembly: argmax over the decoder's class_logits → class index → catalogue id (the label
// values every label map in the app uses), with the manifest's names and colours.
import { structureByName } from '../../../shared/anatomy';
import type { ModelManifest } from '../../../shared/modelManifest';
import type { SegmentInfo } from '../../../shared/volume';

export interface ClassTable {
  /** class index → label value (0 for background). */
  lut: Uint16Array;
  segments: SegmentInfo[];
  maxValue: number;
}

export function classTable(manifest: ModelManifest): ClassTable {
  const k = Math.max(...manifest.classes.map((c) => c.index)) + 1;
  const lut = new Uint16Array(k);
  const segments: SegmentInfo[] = [];
  for (const c of manifest.classes) {
    if (c.name === 'background') continue;
    const value = c.catalogueId ?? structureByName(c.name)?.id;
    if (value === undefined || value <= 0) {
      throw new Error(
        `${manifest.id}: class "${c.name}" has no catalogue id and is not in the anatomy catalogue`,
      );
    }
    lut[c.index] = value;
    segments.push({ value, layer: 0, name: c.name, colorRgb: [...c.colorRgb] });
  }
  segments.sort((p, q) => p.value - q.value);
  return { lut, segments, maxValue: Math.max(0, ...lut) };
}

/** Per-pixel argmax over K channels of one slice of [B, K, S, S] logits (first maximum wins, like torch). */
export function argmaxClasses(
  logits: Float32Array,
  batchIndex: number,
  k: number,
  pixels: number,
  out?: Uint8Array,
): Uint8Array {
  const result = out ?? new Uint8Array(pixels);
  const base = batchIndex * k * pixels;
  for (let p = 0; p < pixels; p++) {
    let best = 0;
    let bestValue = logits[base + p];
    for (let c = 1; c < k; c++) {
      const v = logits[base + c * pixels + p];
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    result[p] = best;
  }
  return result;
}

/** prompt_logits > 0 for one slice of [B, 1, S, S]. */
export function promptMask(
  logits: Float32Array,
  batchIndex: number,
  pixels: number,
  out?: Uint8Array,
): Uint8Array {
  const result = out ?? new Uint8Array(pixels);
  const base = batchIndex * pixels;
  for (let p = 0; p < pixels; p++) result[p] = logits[base + p] > 0 ? 1 : 0;
  return result;
}
