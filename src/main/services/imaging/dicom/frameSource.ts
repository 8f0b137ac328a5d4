// Stored values of any frame of any instance: native frames are sliced out of PixelData, compressed ones
// go through the DecodeFrame implementation the caller chose (in-thread or the worker pool).
import type { DecodeFrame } from './decodeFrame';
import type { FrameInfo } from './frameInfo';
import { pixelLayoutOf } from './frameInfo';
import {
  encapsulatedFrames,
  nativeFrameBytes,
  nativePixelBytes,
  unpackBitFrame,
  type PixelLayout,
} from './frames';
import type { ParsedInstance } from './parse';
import { toStoredValues, type StoredFrame } from './pixels';
import { bigEndianTransferSyntax } from './transferSyntaxes';
import { readableReason } from '../errors';

interface InstancePixels {
  layout: PixelLayout;
  native?: Uint8Array;
  encoded?: Uint8Array[];
}

export class FrameSource {
  private readonly layouts = new Map<ParsedInstance, PixelLayout>();
  /** Each instance's pixels, read (where left in the file) and split into frames once, until released. */
  private readonly pixels = new Map<ParsedInstance, Promise<InstancePixels>>();

  /** `dropPixelData`: release also drops the instance's PixelData, so that its file can be freed. */
  constructor(
    private readonly decode: DecodeFrame,
    private readonly dropPixelData = false,
  ) {}

  layout(instance: ParsedInstance): PixelLayout {
    let layout = this.layouts.get(instance);
    if (!layout) {
      layout = pixelLayoutOf(instance.dataset);
      this.layouts.set(instance, layout);
    }
    return layout;
  }

  /** The frame as it is stored, before any interpretation: one byte per pixel for 1-bit data. */
  async frameSamples(frame: FrameInfo): Promise<{ bytes: Uint8Array; bytesPerSample: number }> {
    const { instance, frameIndex } = frame;
    const { layout, native, encoded } = await this.pixelsOf(instance);
    if (native) {
      if (layout.bitsAllocated === 1) {
        return { bytes: unpackBitFrame(native, layout, frameIndex, instance.path), bytesPerSample: 1 };
      }
      return {
        bytes: nativeFrameBytes(native, layout, frameIndex, instance.path),
        bytesPerSample: layout.bitsAllocated / 8,
      };
    }
    if (instance.encoding === 'native' || !encoded) throw new Error(`${instance.path}: no pixel data`);
    // Compressed 1-bit frames (RLE SEGs) encode the packed bytes as one row of 8-bit samples.
    const packedBytes = Math.ceil((layout.rows * layout.columns) / 8);
    const decodeLayout =
      layout.bitsAllocated === 1
        ? { ...layout, rows: 1, columns: packedBytes, bitsAllocated: 8, bitsStored: 8, highBit: 7 }
        : layout;
    let decoded;
    try {
      decoded = await this.decode({
        encoding: instance.encoding,
        encoded: encoded[frameIndex],
        layout: decodeLayout,
      });
    } catch (error) {
      const reason = readableReason(error, instance.path);
      throw new Error(`${instance.path}: frame ${frameIndex + 1} could not be decoded: ${reason}`);
    }
    if (layout.bitsAllocated === 1) {
      // Each compressed frame of 1-bit data is packed on its own, starting at a byte boundary.
      return { bytes: unpackBitFrame(decoded.bytes, layout, 0, instance.path), bytesPerSample: 1 };
    }
    const expected = layout.rows * layout.columns * decoded.bytesPerSample;
    if (decoded.bytes.length < expected) {
      throw new Error(
        `${instance.path}: frame ${frameIndex + 1} decoded to ${decoded.bytes.length} bytes, expected ${expected}`,
      );
    }
    return { bytes: decoded.bytes.subarray(0, expected), bytesPerSample: decoded.bytesPerSample };
  }

  /** Stored values (masked, sign-extended, MONOCHROME1 mirrored) of one grayscale frame. */
  async storedFrame(frame: FrameInfo): Promise<StoredFrame> {
    const layout = this.layout(frame.instance);
    const { bytes, bytesPerSample } = await this.frameSamples(frame);
    const bigEndian =
      frame.instance.encoding === 'native' && frame.instance.transferSyntaxUid === bigEndianTransferSyntax;
    return toStoredValues(bytes, bytesPerSample, layout, bigEndian);
  }

  /** Drops the instance's pixel buffers once all its frames are read. */
  release(instance: ParsedInstance): void {
    this.pixels.delete(instance);
    this.layouts.delete(instance);
    if (this.dropPixelData) delete instance.dataset.PixelData;
  }

  private pixelsOf(instance: ParsedInstance): Promise<InstancePixels> {
    let entry = this.pixels.get(instance);
    if (!entry) {
      entry = this.readPixels(instance);
      this.pixels.set(instance, entry);
    }
    return entry;
  }

  private async readPixels(instance: ParsedInstance): Promise<InstancePixels> {
    const layout = this.layout(instance);
    if (instance.pixelsInFile) return { layout, native: await instance.pixelsInFile.read() };
    const { PixelData } = instance.dataset;
    const frames = Number(instance.dataset.NumberOfFrames ?? 1) || 1;
    return instance.encoding === 'native'
      ? { layout, native: nativePixelBytes(PixelData) }
      : { layout, encoded: encapsulatedFrames(PixelData, frames, instance.encoding, instance.path) };
  }
}
