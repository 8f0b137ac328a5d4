// Splitting PixelData into one encoded (or native) buffer per frame.
import type { PixelEncoding } from './transferSyntaxes';

/** The Image Pixel module attributes that decide how a frame's bytes become numbers. */
export interface PixelLayout {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: 0 | 1;
  samplesPerPixel: number;
  planarConfiguration: 0 | 1;
  photometricInterpretation: string;
}

/** dcmjs gives PixelData as ArrayBuffers: one for native data, one per frame or fragment when encapsulated. */
export type DcmjsPixelData = (ArrayBuffer | ArrayBuffer[])[];

function toBytes(part: ArrayBuffer | ArrayBuffer[] | ArrayBufferView): Uint8Array {
  if (Array.isArray(part)) return concatBytes(part.map((p) => new Uint8Array(p)));
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
  return new Uint8Array(part);
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** The whole native PixelData value as bytes. */
export function nativePixelBytes(pixelData: unknown): Uint8Array {
  const parts = Array.isArray(pixelData) ? (pixelData as DcmjsPixelData) : [pixelData as ArrayBuffer];
  return concatBytes(parts.map(toBytes));
}

/** Bits of one native frame; with BitsAllocated 1 a frame need not start on a byte boundary. */
export function nativeFrameBits(layout: PixelLayout): number {
  return layout.rows * layout.columns * layout.samplesPerPixel * layout.bitsAllocated;
}

/** Byte range of native frame `index` (for BitsAllocated ≥ 8). */
export function nativeFrameBytes(
  all: Uint8Array,
  layout: PixelLayout,
  index: number,
  path: string,
): Uint8Array {
  const frameBytes = nativeFrameBits(layout) / 8;
  const start = index * frameBytes;
  if (start + frameBytes > all.length) {
    throw new Error(
      `${path}: pixel data holds ${all.length} bytes, too few for frame ${index + 1} (${frameBytes} bytes each)`,
    );
  }
  return all.subarray(start, start + frameBytes);
}

/** Unpacks frame `index` of 1-bit data (least significant bit first, PS3.5 §8.1.1) to one byte per pixel. */
export function unpackBitFrame(
  all: Uint8Array,
  layout: PixelLayout,
  index: number,
  path: string,
): Uint8Array {
  const count = layout.rows * layout.columns;
  const firstBit = index * count;
  if (Math.ceil((firstBit + count) / 8) > all.length) {
    throw new Error(`${path}: 1-bit pixel data is too short for frame ${index + 1}`);
  }
  const out = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const bit = firstBit + n;
    out[n] = (all[bit >> 3] >> (bit & 7)) & 1;
  }
  return out;
}

/** Encoded frames of encapsulated PixelData, joining fragments where a frame spans several. */
export function encapsulatedFrames(
  pixelData: unknown,
  numberOfFrames: number,
  encoding: PixelEncoding,
  path: string,
): Uint8Array[] {
  const items = (Array.isArray(pixelData) ? pixelData : [pixelData]).map((p) =>
    toBytes(p as ArrayBuffer | ArrayBuffer[]),
  );
  if (items.length === numberOfFrames) return items;
  if (numberOfFrames === 1) return [concatBytes(items)];
  // Without a Basic Offset Table dcmjs hands us fragments; a new frame starts where a codestream does.
  const frames: Uint8Array[][] = [];
  for (const item of items) {
    if (frames.length === 0 || startsFrame(item, encoding)) frames.push([item]);
    else frames[frames.length - 1].push(item);
  }
  if (frames.length !== numberOfFrames) {
    throw new Error(
      `${path}: found ${frames.length} encoded frames, but NumberOfFrames is ${numberOfFrames}`,
    );
  }
  return frames.map(concatBytes);
}

function startsFrame(item: Uint8Array, encoding: PixelEncoding): boolean {
  if (encoding === 'jpeg-2000') {
    // J2K codestream (SOC marker) or JP2 file signature box.
    return (item[0] === 0xff && item[1] === 0x4f) || (item[4] === 0x6a && item[5] === 0x50);
  }
  if (encoding === 'rle') return false;
  return item[0] === 0xff && item[1] === 0xd8;
}
