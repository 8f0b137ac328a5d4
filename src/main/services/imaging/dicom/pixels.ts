// Stored samples → stored values (BitsStored, sign, MONOCHROME1) → rescaled voxels in an exact type.
import type { VoxelArray, VoxelType } from '../../../../shared/volume';
import type { PixelLayout } from './frames';

export type StoredArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/** Stored values of one frame and their extremes. */
export interface StoredFrame {
  values: StoredArray;
  min: number;
  max: number;
}

/** The range BitsStored and PixelRepresentation allow. */
export function storedRange(layout: PixelLayout): [number, number] {
  const bits = layout.bitsStored;
  return layout.pixelRepresentation === 1 ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

/**
 * Interprets little-endian (or big-endian) samples as stored values. The input is not modified: when
 * masking, sign extension, byte swapping or MONOCHROME1 inversion changes anything, it works on a copy.
 */
export function toStoredValues(
  bytes: Uint8Array,
  bytesPerSample: number,
  layout: PixelLayout,
  bigEndian: boolean,
): StoredFrame {
  const signed = layout.pixelRepresentation === 1;
  let values = typedView(bytes, bytesPerSample, signed, bigEndian);
  const [low, high] = storedRange(layout);
  const shift = layout.highBit + 1 - layout.bitsStored;
  const fullWidth = layout.bitsStored === bytesPerSample * 8 && shift === 0;
  let [min, max] = extremes(values);
  if (!fullWidth && (shift !== 0 || min < low || max > high)) {
    // Bits outside BitsStored (overlays, garbage) are set: mask them off and sign-extend from HighBit.
    if (values.buffer === bytes.buffer) values = copy(values);
    const mask = 2 ** layout.bitsStored - 1;
    const signBit = 2 ** (layout.bitsStored - 1);
    for (let n = 0; n < values.length; n++) {
      let v = (values[n] >>> shift) & mask;
      if (signed && v >= signBit) v -= 2 * signBit;
      values[n] = v;
    }
    [min, max] = extremes(values);
  }
  if (layout.photometricInterpretation === 'MONOCHROME1') {
    // MONOCHROME1 shows low values bright; mirroring within the stored range makes higher = brighter.
    if (values.buffer === bytes.buffer) values = copy(values);
    for (let n = 0; n < values.length; n++) values[n] = low + high - values[n];
    [min, max] = [low + high - max, low + high - min];
  }
  return { values, min, max };
}

function typedView(
  bytes: Uint8Array,
  bytesPerSample: number,
  signed: boolean,
  bigEndian: boolean,
): StoredArray {
  if (bytesPerSample === 1) {
    return signed ? new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length) : bytes;
  }
  const count = bytes.length / bytesPerSample;
  const aligned = bytes.byteOffset % bytesPerSample === 0;
  let source = aligned && !bigEndian ? bytes : bytes.slice();
  if (bigEndian) source = swapBytes(source, bytesPerSample);
  if (bytesPerSample === 2) {
    return signed
      ? new Int16Array(source.buffer, source.byteOffset, count)
      : new Uint16Array(source.buffer, source.byteOffset, count);
  }
  if (bytesPerSample === 4) {
    return signed
      ? new Int32Array(source.buffer, source.byteOffset, count)
      : new Uint32Array(source.buffer, source.byteOffset, count);
  }
  throw new Error(`unsupported sample size of ${bytesPerSample} bytes`);
}

function swapBytes(bytes: Uint8Array, width: number): Uint8Array {
  for (let n = 0; n + width <= bytes.length; n += width) {
    for (let a = n, b = n + width - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
  return bytes;
}

function copy<T extends StoredArray>(values: T): T {
  return values.slice() as T;
}

function extremes(values: StoredArray): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let n = 0; n < values.length; n++) {
    const v = values[n];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

/** Per-frame modality LUT (Rescale Slope/Intercept). */
export interface Rescale {
  slope: number;
  intercept: number;
}

/** The narrowest type that holds every rescaled value exactly (float32 when a rescale is fractional). */
export function outputVoxelType(
  frames: { stored: Pick<StoredFrame, 'min' | 'max'>; rescale: Rescale }[],
): VoxelType {
  let min = Infinity;
  let max = -Infinity;
  let integral = true;
  for (const { stored, rescale } of frames) {
    if (!Number.isInteger(rescale.slope) || !Number.isInteger(rescale.intercept)) integral = false;
    const a = stored.min * rescale.slope + rescale.intercept;
    const b = stored.max * rescale.slope + rescale.intercept;
    min = Math.min(min, a, b);
    max = Math.max(max, a, b);
  }
  if (!integral) return 'float32';
  if (min >= -32768 && max <= 32767) return 'int16';
  if (min >= -(2 ** 31) && max <= 2 ** 31 - 1) return 'int32';
  return 'float32';
}

/** Writes one frame's rescaled values into the volume at `offset`. */
export function writeRescaled(
  target: VoxelArray,
  offset: number,
  stored: StoredArray,
  rescale: Rescale,
): void {
  const { slope, intercept } = rescale;
  if (slope === 1 && intercept === 0) {
    target.set(stored, offset);
    return;
  }
  const out = target.subarray(offset, offset + stored.length);
  // Slope 1 with an intercept (most CT) is the hot case: an add without a multiply.
  if (slope === 1) for (let n = 0; n < out.length; n++) out[n] = stored[n] + intercept;
  else for (let n = 0; n < out.length; n++) out[n] = stored[n] * slope + intercept;
}
