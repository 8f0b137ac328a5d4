// The compressed-frame codecs: wasm builds of OpenJPEG, CharLS and libjpeg-turbo, a JS JPEG
// lossless decoder, and IJG's 12-bit DCT process for JPEG Extended (jpegExtended12.ts). Each returns little-endian samples; the caller interprets them with the pixel layout.
import { decodeJpegExtended } from './jpegExtended12';
import { loadJpegLossless, wasmDecoderClass, type WasmCodecName } from './vendor';

export interface DecodedSamples {
  bytes: Uint8Array;
  bytesPerSample: number;
  width: number;
  height: number;
  components: number;
}

async function decodeWithWasm(name: WasmCodecName, encoded: Uint8Array): Promise<DecodedSamples> {
  const Decoder = await wasmDecoderClass(name);
  const decoder = new Decoder();
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    // The decoded buffer is a view into wasm memory, which the next decode reuses: copy it out.
    const bytes = new Uint8Array(decoder.getDecodedBuffer());
    return {
      bytes,
      bytesPerSample: info.bitsPerSample <= 8 ? 1 : 2,
      width: info.width,
      height: info.height,
      components: info.componentCount,
    };
  } catch (error) {
    // Emscripten throws a bare number (an exception pointer) when the C++ side fails.
    throw typeof error === 'number' ? new Error(`${name} failed to decode the frame`) : error;
  } finally {
    decoder.delete();
  }
}

export function decodeJpeg2000(encoded: Uint8Array): Promise<DecodedSamples> {
  return decodeWithWasm('openjpeg', encoded);
}

export function decodeJpegLs(encoded: Uint8Array): Promise<DecodedSamples> {
  return decodeWithWasm('charls', encoded);
}

export async function decodeJpegBaseline(encoded: Uint8Array): Promise<DecodedSamples> {
  const precision = jpegSamplePrecision(encoded);
  if (precision !== undefined && precision > 8) {
    // The wasm libjpeg-turbo is built for 8-bit samples only.
    const frame = decodeJpegExtended(encoded);
    const bytes = new Uint8Array(frame.samples.length * 2);
    const view = new DataView(bytes.buffer);
    frame.samples.forEach((v, n) => view.setUint16(2 * n, v, true));
    return { bytes, bytesPerSample: 2, width: frame.width, height: frame.height, components: 1 };
  }
  return decodeWithWasm('libjpeg-turbo-8bit', encoded);
}

export function decodeJpegLossless(
  encoded: Uint8Array,
  rows: number,
  columns: number,
  bitsAllocated: number,
): DecodedSamples {
  const { Decoder } = loadJpegLossless();
  const bytesPerSample = bitsAllocated <= 8 ? 1 : 2;
  const decoded = new Decoder().decode(
    encoded.buffer as ArrayBuffer,
    encoded.byteOffset,
    encoded.length,
    bytesPerSample,
  );
  const bytes = new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
  return {
    bytes,
    bytesPerSample,
    width: columns,
    height: rows,
    components: bytes.length / (rows * columns * bytesPerSample),
  };
}

/** Sample precision from the first SOF marker segment, or undefined if none is found. */
export function jpegSamplePrecision(encoded: Uint8Array): number | undefined {
  let n = 2;
  while (n + 4 < encoded.length) {
    if (encoded[n] !== 0xff) return undefined;
    const marker = encoded[n + 1];
    if (marker === 0xff) {
      n++;
      continue;
    }
    const length = (encoded[n + 2] << 8) | encoded[n + 3];
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return encoded[n + 4];
    n += 2 + length;
  }
  return undefined;
}
