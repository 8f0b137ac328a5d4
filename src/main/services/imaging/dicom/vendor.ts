// dcmjs and the codec packages ship no type declarations. Loading them through createRequire with the
// narrow interfaces below keeps the rest of the loader typed without ambient `declare module` blocks
// that would clash with other modules' declarations of the same packages.
import { createRequire } from 'node:module';

// Not named `require`: electron-vite's ESM output declares its own `require` shim in every chunk.
const requireCjs = createRequire(import.meta.url);

/** One element of a dcmjs dictionary: its VR and values. */
export interface DcmjsElement {
  vr: string;
  Value?: unknown[];
  /** The value as read, before dcmjs split and trimmed it (a string for PN, else strings). */
  _rawValue?: unknown;
}

export interface DcmjsDicomDict {
  meta: Record<string, DcmjsElement>;
  dict: Record<string, DcmjsElement>;
}

/** A naturalized dataset: keywords as keys; single values unwrapped, sequences as arrays of datasets. */
export type NaturalDataset = Record<string, unknown>;

interface Dcmjs {
  data: {
    DicomMessage: {
      readFile(
        buffer: ArrayBuffer,
        options?: { ignoreErrors?: boolean; untilTag?: string; includeUntilTagValue?: boolean },
      ): DcmjsDicomDict;
    };
    DicomMetaDictionary: {
      naturalizeDataset(dict: Record<string, DcmjsElement>): NaturalDataset;
      /** Keyed by "(gggg,eeee)". */
      dictionary: Record<string, { name?: string } | undefined>;
    };
    Colors: {
      rgb2DICOMLAB(rgb01: number[]): number[];
      dicomlab2RGB(lab: number[]): number[];
    };
  };
  log: { getLogger?(name: string): { setLevel(level: string): void } };
}

let dcmjs: Dcmjs | undefined;

export function loadDcmjs(): Dcmjs {
  if (!dcmjs) {
    dcmjs = requireCjs('dcmjs') as Dcmjs;
    // dcmjs logs tolerated oddities (e.g. the ambiguous "xs"/"ox" VRs of implicit-VR files) as errors on the
    // console; what matters to the user goes into LoadedSeries.warnings instead.
    dcmjs.log.getLogger?.('validation.dcmjs').setLevel('silent');
  }
  return dcmjs;
}

/** The frame layout the wasm codecs report after decoding. */
export interface WasmFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

/** The common shape of the cornerstone codec decoders (J2KDecoder, JpegLSDecoder, JPEGDecoder). */
export interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): WasmFrameInfo;
  delete(): void;
}

type WasmModuleFactory = (options: {
  print(text: string): void;
  printErr(text: string): void;
}) => Promise<Record<string, new () => WasmDecoder>>;

export type WasmCodecName = 'openjpeg' | 'charls' | 'libjpeg-turbo-8bit';

const wasmCodecs: Record<WasmCodecName, { module: string; decoder: string }> = {
  openjpeg: { module: '@cornerstonejs/codec-openjpeg/wasmjs', decoder: 'J2KDecoder' },
  charls: { module: '@cornerstonejs/codec-charls/wasmjs', decoder: 'JpegLSDecoder' },
  'libjpeg-turbo-8bit': { module: '@cornerstonejs/codec-libjpeg-turbo-8bit/wasmjs', decoder: 'JPEGDecoder' },
};

const decoderClasses = new Map<WasmCodecName, Promise<new () => WasmDecoder>>();

/** The decoder class of a wasm codec, instantiated once per thread. */
export function wasmDecoderClass(name: WasmCodecName): Promise<new () => WasmDecoder> {
  let pending = decoderClasses.get(name);
  if (!pending) {
    const { module, decoder } = wasmCodecs[name];
    const factory = requireCjs(module) as WasmModuleFactory;
    // The codecs print progress chatter (e.g. OpenJPEG's "[INFO] Start to read j2k main header").
    pending = factory({ print: () => {}, printErr: () => {} }).then((m) => m[decoder]);
    decoderClasses.set(name, pending);
  }
  return pending;
}

interface JpegLosslessModule {
  Decoder: new () => {
    decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array;
  };
}

let jpegLossless: JpegLosslessModule | undefined;

export function loadJpegLossless(): JpegLosslessModule {
  jpegLossless ??= requireCjs('jpeg-lossless-decoder-js') as JpegLosslessModule;
  return jpegLossless;
}
