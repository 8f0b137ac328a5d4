// Bytes → one parsed DICOM instance, or a BadInputError that says why the file is unusable.
import { trailingFragments } from './encapsulated';
import { BadInputError } from '../errors';
import type { InputFile } from '../types';
import { metaString, readMetaGroup } from './metaHeader';
import { nonImageObjectName, segmentationStorage } from './sopClasses';
import { blankSpecificCharacterSet, decodeTextElements } from './textElements';
import {
  bigEndianTransferSyntax,
  pixelEncoding,
  transferSyntaxName,
  type PixelEncoding,
} from './transferSyntaxes';
import { loadDcmjs, type NaturalDataset } from './vendor';

export interface ParsedInstance {
  path: string;
  transferSyntaxUid: string;
  encoding: PixelEncoding;
  dataset: NaturalDataset;
  kind: 'image' | 'segmentation';
  /** What the user should know about this file that did not stop it loading (text it could not decode). */
  warnings: string[];
  /** Native pixel data left in the file (its header was read alone): where it lies, and how to read it. */
  pixelsInFile?: { offset: number; length: number; read(): Promise<Uint8Array> };
}

const implicitLittleEndian = '1.2.840.10008.1.2';
const explicitLittleEndian = '1.2.840.10008.1.2.1';

/**
 * Parses a DICOM file. Of a file whose start alone was read (`file.unread`), only native pixel data
 * that ends the file after a header within that start can be left unread; otherwise this throws, and
 * the caller reads the file whole and parses it again (see parseInstance).
 */
export function parseDicom(file: InputFile): ParsedInstance {
  const { path, unread } = file;
  const bytes = withPart10Header(file);
  // Checked before parsing: dcmjs reads an unknown syntax as explicit VR little endian and fails obscurely.
  const declared = metaTransferSyntax(bytes);
  if (unread && (bytes !== file.bytes || !declared || pixelEncoding(declared) !== 'native'))
    throw new Error(`${path}: only its start was read`);
  if (declared === undefined && readMetaGroup(bytes).values.size > 0) {
    throw new BadInputError(
      path,
      'has no transfer syntax (0002,0010) in its DICOM meta header, so its data cannot be read; export it again',
    );
  }
  if (declared && !pixelEncoding(declared) && !nonImageObjectName(metaSopClass(bytes) ?? '')) {
    throw unsupportedSyntax(path, declared);
  }
  let transferSyntaxUid: string;
  let mediaSopClassUid: string;
  let dataset: NaturalDataset;
  let pixelsInFile: ParsedInstance['pixelsInFile'];
  const warnings: string[] = [];
  const characterSet = blankSpecificCharacterSet(bytes, declared);
  try {
    const dcmjs = loadDcmjs();
    const buffer = arrayBufferOf(bytes);
    const native =
      declared !== undefined && pixelEncoding(declared) === 'native' && declared !== deflatedLittleEndian;
    // For native pixel data, read the header only and view the pixels in place: dcmjs would copy them.
    // ignoreErrors: a character set dcmjs does not know must not stop the pixels; it is decoded below.
    const read = (untilPixels: boolean) => {
      const message = untilPixels
        ? dcmjs.data.DicomMessage.readFile(buffer, {
            untilTag: '7FE00010',
            includeUntilTagValue: false,
            ignoreErrors: true,
          })
        : dcmjs.data.DicomMessage.readFile(buffer, { ignoreErrors: true });
      if (characterSet) warnings.push(...decodeTextElements(message.dict, characterSet.terms));
      return message;
    };
    // Compressed single frames likewise: their fragments are viewed in place when they end the file.
    const fragments =
      declared !== undefined && !native && pixelEncoding(declared) !== 'native'
        ? trailingFragments(bytes)
        : undefined;
    let message = read(native || fragments !== undefined);
    dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
    if (fragments && (Number(dataset.NumberOfFrames ?? 1) || 1) === 1 && fragments.length > 0) {
      dataset.PixelData = fragments;
    } else if (fragments) {
      warnings.length = 0;
      message = read(false);
      dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
    }
    if (native) {
      const size = unread?.size ?? bytes.length;
      const pixels = trailingPixelData(bytes, size, dataset, declared === bigEndianTransferSyntax);
      if (pixels && unread) {
        const { offset, length } = pixels;
        pixelsInFile = { offset, length, read: () => unread.read(offset, length) };
        // dcmjs leaves a placeholder where it stopped; the pixels are read from the file instead.
        delete dataset.PixelData;
      } else if (pixels) {
        dataset.PixelData = [bytes.subarray(pixels.offset)];
      } else {
        if (unread) throw new Error(`${path}: only its start was read`);
        warnings.length = 0;
        message = read(false);
        dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
      }
    }
    transferSyntaxUid = String(message.meta['00020010']?.Value?.[0] ?? '').trim();
    mediaSopClassUid = String(message.meta['00020002']?.Value?.[0] ?? '').trim();
  } catch (error) {
    if (unread) throw error;
    // dcmjs's own message names JavaScript internals or quotes raw bytes: it goes to the log only.
    console.warn(`DICOM parse failed for ${path}: ${error instanceof Error ? error.message : String(error)}`);
    throw new BadInputError(path, 'cannot be read as DICOM: it is truncated or corrupt');
  } finally {
    characterSet?.restore();
  }
  if (!transferSyntaxUid) throw new BadInputError(path, 'has no transfer syntax in its DICOM meta header');

  // A DICOMDIR names its class only in the meta header.
  const sopClassUid = String(dataset.SOPClassUID ?? mediaSopClassUid);
  const kind = sopClassUid === segmentationStorage ? 'segmentation' : 'image';
  const nonImage = nonImageObjectName(sopClassUid);
  if (nonImage) throw new BadInputError(path, `is a DICOM ${nonImage}, not an image`);
  if (dataset.PixelData === undefined && !pixelsInFile) {
    const floatData = dataset.FloatPixelData !== undefined || dataset.DoubleFloatPixelData !== undefined;
    throw new BadInputError(
      path,
      floatData
        ? 'holds floating-point pixel data (e.g. a parametric map), which this loader does not read'
        : `is DICOM but holds no pixel data (SOP class ${sopClassUid || 'not given'})`,
    );
  }
  const encoding = pixelEncoding(transferSyntaxUid);
  if (!encoding) throw unsupportedSyntax(path, transferSyntaxUid);
  if (encoding === 'native' && transferSyntaxUid !== deflatedLittleEndian && !pixelsInFile) {
    // dcmjs zero-fills a value that runs past the end of the file. Invented pixels are never shown:
    // a file shorter than its own pixel data (a cut-off copy or download) is refused, naming the frames.
    const missing = missingNativeFrames(bytes, dataset, transferSyntaxUid === bigEndianTransferSyntax);
    if (missing) throw new BadInputError(path, missing);
  }
  return {
    path,
    transferSyntaxUid,
    encoding,
    dataset,
    kind,
    warnings,
    ...(pixelsInFile ? { pixelsInFile } : {}),
  };
}

const deflatedLittleEndian = '1.2.840.10008.1.2.1.99';

function unsupportedSyntax(path: string, uid: string): BadInputError {
  return new BadInputError(
    path,
    `uses transfer syntax ${uid} (${transferSyntaxName(uid)}), which cannot be decoded here`,
  );
}

/**
 * Where the native PixelData value lies when it is the last element of a file of `size` bytes, as it
 * almost always is: found by its element header (within `bytes`, the file's start) just before the
 * expected number of bytes. Undefined when it is not found there.
 */
function trailingPixelData(
  bytes: Uint8Array,
  size: number,
  dataset: NaturalDataset,
  bigEndian: boolean,
): { offset: number; length: number } | undefined {
  const expected = nativePixelDataBytes(dataset);
  if (expected === 0) return undefined;
  const length = expected + (expected % 2);
  const start = size - length;
  if (start - 12 < 0 || start > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tagAt = (at: number) =>
    at >= 132 &&
    (bigEndian
      ? view.getUint16(at, false) === 0x7fe0 && view.getUint16(at + 2, false) === 0x0010
      : view.getUint16(at, true) === 0x7fe0 && view.getUint16(at + 2, true) === 0x0010);
  const explicit = start - 12;
  if (tagAt(explicit)) {
    const vr = String.fromCharCode(bytes[explicit + 4], bytes[explicit + 5]);
    if ((vr === 'OW' || vr === 'OB') && view.getUint32(explicit + 8, !bigEndian) === length)
      return { offset: start, length };
  }
  const implicit = start - 8;
  if (!bigEndian && tagAt(implicit) && view.getUint32(implicit + 4, true) === length)
    return { offset: start, length };
  return undefined;
}

/**
 * Why the native pixel data is incomplete, or undefined when it is whole: the PixelData element is
 * found by its header and the length it declares, and compared with the bytes the file still has.
 */
function missingNativeFrames(
  bytes: Uint8Array,
  dataset: NaturalDataset,
  bigEndian: boolean,
): string | undefined {
  const expected = nativePixelDataBytes(dataset);
  if (expected === 0) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = !bigEndian;
  let valueStart = -1;
  for (let n = 132; n + 12 <= bytes.length && valueStart < 0; n++) {
    if (view.getUint16(n, le) !== 0x7fe0 || view.getUint16(n + 2, le) !== 0x0010) continue;
    const vr = String.fromCharCode(bytes[n + 4], bytes[n + 5]);
    const explicit = (vr === 'OW' || vr === 'OB') && view.getUint16(n + 6, le) === 0;
    const declared = explicit ? view.getUint32(n + 8, le) : view.getUint32(n + 4, le);
    if (declared === expected || declared === expected + 1) valueStart = n + (explicit ? 12 : 8);
  }
  const available = valueStart < 0 ? bytes.length - 132 : bytes.length - valueStart;
  if (available >= expected) return undefined;
  const frames = Number(dataset.NumberOfFrames ?? 1) || 1;
  const frameBytes = expected / frames;
  const whole = Math.max(0, Math.floor(available / frameBytes));
  const which =
    frames === 1
      ? 'its only frame is incomplete'
      : `frame${frames - whole > 1 ? 's' : ''} ${whole + 1}${frames - whole > 1 ? `–${frames}` : ''} of ${frames} ${frames - whole > 1 ? 'are' : 'is'} missing or incomplete`;
  return `is truncated: its pixel data has ${Math.max(0, available)} of ${expected} bytes, so ${which}; copy or export the file again`;
}

function nativePixelDataBytes(dataset: NaturalDataset): number {
  const count = (key: string, fallback: number) => Number(dataset[key] ?? fallback) || fallback;
  // YBR_FULL_422 and YBR_PARTIAL_422 store two samples per pixel: chroma is shared by pixel pairs.
  const subsampled = /^YBR_(FULL|PARTIAL)_422$/.test(String(dataset.PhotometricInterpretation ?? '').trim());
  const bits =
    count('Rows', 0) *
    count('Columns', 0) *
    (subsampled ? 2 : count('SamplesPerPixel', 1)) *
    count('NumberOfFrames', 1) *
    count('BitsAllocated', 16);
  return Math.ceil(bits / 8);
}

function metaTransferSyntax(bytes: Uint8Array): string | undefined {
  return metaString(bytes, 0x0010);
}

function metaSopClass(bytes: Uint8Array): string | undefined {
  return metaString(bytes, 0x0002);
}

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = bytes;
  if (buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength) return buffer;
  return bytes.slice().buffer as ArrayBuffer;
}

const dicmMagic = [0x44, 0x49, 0x43, 0x4d];

/**
 * dcmjs only reads Part 10 files. Older files (ACR-NEMA style, some exports) are a bare implicit-VR
 * dataset; we give those a preamble and a minimal meta header rather than reject them.
 */
function withPart10Header(file: InputFile): Uint8Array {
  const { bytes, path } = file;
  if (bytes.length >= 132 && dicmMagic.every((b, n) => bytes[128 + n] === b)) return bytes;
  const bigEndian = bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x08;
  const group = bytes.length >= 8 ? (bigEndian ? bytes[1] : bytes[0] | (bytes[1] << 8)) : -1;
  const element =
    bytes.length >= 8 ? (bigEndian ? (bytes[2] << 8) | bytes[3] : bytes[2] | (bytes[3] << 8)) : -1;
  const looksLikeDataset = (group === 0x0008 || group === 0x0002) && element < 0x0200;
  if (!looksLikeDataset)
    throw new BadInputError(path, 'is not a DICOM file (no DICM prefix and no DICOM dataset)');
  if (group === 0x0002) return concat(new Uint8Array(128), Uint8Array.from(dicmMagic), bytes);
  // Two capital letters after the tag are a VR: the dataset is explicit VR (big endian when its
  // group number is).
  const upper = (b: number) => b >= 0x41 && b <= 0x5a;
  const explicit = upper(bytes[4]) && upper(bytes[5]);
  const syntax = bigEndian ? bigEndianTransferSyntax : explicit ? explicitLittleEndian : implicitLittleEndian;
  return concat(new Uint8Array(128), Uint8Array.from(dicmMagic), metaHeader(syntax), bytes);
}

/** A file meta group holding only its length and the transfer syntax, explicit VR little endian. */
function metaHeader(transferSyntaxUid: string): Uint8Array {
  const uid = transferSyntaxUid.length % 2 ? `${transferSyntaxUid}\0` : transferSyntaxUid;
  const tsElement = new Uint8Array(8 + uid.length);
  const view = new DataView(tsElement.buffer);
  view.setUint16(0, 0x0002, true);
  view.setUint16(2, 0x0010, true);
  tsElement.set([0x55, 0x49], 4); // "UI"
  view.setUint16(6, uid.length, true);
  for (let n = 0; n < uid.length; n++) tsElement[8 + n] = uid.charCodeAt(n);
  const lengthElement = new Uint8Array(12);
  const lengthView = new DataView(lengthElement.buffer);
  lengthView.setUint16(0, 0x0002, true);
  lengthView.setUint16(2, 0x0000, true);
  lengthElement.set([0x55, 0x4c], 4); // "UL"
  lengthView.setUint16(6, 4, true);
  lengthView.setUint32(8, tsElement.length, true);
  return concat(lengthElement, tsElement);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
