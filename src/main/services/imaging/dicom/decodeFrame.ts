// One compressed frame → little-endian samples. Pure (no workers), so tests and the worker share it.
import {
  decodeJpeg2000,
  decodeJpegBaseline,
  decodeJpegLossless,
  decodeJpegLs,
  type DecodedSamples,
} from './codecs';
import type { PixelLayout } from './frames';
import { decodeRle } from './rle';
import type { PixelEncoding } from './transferSyntaxes';

export type CompressedEncoding = Exclude<PixelEncoding, 'native'>;

export interface FrameDecodeRequest {
  encoding: CompressedEncoding;
  encoded: Uint8Array;
  layout: PixelLayout;
}

/** Samples in little-endian order, `bytesPerSample` each, one sample plane after another. */
export interface DecodedFrame {
  bytes: Uint8Array;
  bytesPerSample: number;
}

/** How the loader decodes compressed frames: in this thread (tests) or in a worker pool (the app). */
export type DecodeFrame = (request: FrameDecodeRequest) => Promise<DecodedFrame>;

export async function decodeFrame({ encoding, encoded, layout }: FrameDecodeRequest): Promise<DecodedFrame> {
  const { rows, columns, bitsAllocated, samplesPerPixel } = layout;
  if (encoding === 'rle') {
    return {
      bytes: decodeRle(encoded, rows, columns, bitsAllocated, samplesPerPixel),
      bytesPerSample: bitsAllocated / 8,
    };
  }
  let samples: DecodedSamples;
  if (encoding === 'jpeg-2000') samples = await decodeJpeg2000(encoded);
  else if (encoding === 'jpeg-ls') samples = await decodeJpegLs(encoded);
  else if (encoding === 'jpeg-baseline') samples = await decodeJpegBaseline(encoded);
  else samples = decodeJpegLossless(encoded, rows, columns, bitsAllocated);
  if (samples.width !== columns || samples.height !== rows) {
    throw new Error(
      `decoded frame is ${samples.width}×${samples.height}, but the header says ${columns}×${rows}`,
    );
  }
  if (samples.components !== samplesPerPixel) {
    throw new Error(
      `decoded frame has ${samples.components} samples per pixel, the header says ${samplesPerPixel}`,
    );
  }
  return { bytes: samples.bytes, bytesPerSample: samples.bytesPerSample };
}
