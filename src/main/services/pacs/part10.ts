// The few facts the PACS area needs from a Part 10 file without decoding it: its SOP class and
// instance UIDs, from the file meta information (group 0002, always Explicit VR Little Endian).
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { LONG_LENGTH_VRS } from '../imaging/index';

export interface Part10Meta {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
}

/** Returns undefined when the bytes are not a Part 10 file with the UIDs in its meta header. */
export function readPart10Meta(bytes: Uint8Array): Part10Meta | undefined {
  if (bytes.length < 144) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (from: number, length: number) =>
    String.fromCharCode(...bytes.subarray(from, from + length))
      .replace(/\0+$/, '')
      .trim();
  if (ascii(128, 4) !== 'DICM') return undefined;
  const found: Record<number, string> = {};
  let offset = 132;
  while (offset + 8 <= bytes.length) {
    const group = view.getUint16(offset, true);
    if (group !== 0x0002) break;
    const element = view.getUint16(offset + 2, true);
    const vr = ascii(offset + 4, 2);
    let length: number;
    let valueAt: number;
    if (LONG_LENGTH_VRS.has(vr)) {
      length = view.getUint32(offset + 8, true);
      valueAt = offset + 12;
    } else {
      length = view.getUint16(offset + 6, true);
      valueAt = offset + 8;
    }
    if (valueAt + length > bytes.length) return undefined;
    if (vr === 'UI') found[element] = ascii(valueAt, length);
    offset = valueAt + length;
  }
  const [sopClassUid, sopInstanceUid, transferSyntaxUid] = [found[0x0002], found[0x0003], found[0x0010]];
  if (!sopClassUid || !sopInstanceUid || !transferSyntaxUid) return undefined;
  return { sopClassUid, sopInstanceUid, transferSyntaxUid };
}

interface DcmjsReadApi {
  data: {
    DicomMessage: {
      readFile(
        buffer: ArrayBuffer,
        options?: { untilTag?: string },
      ): { dict: Record<string, { Value?: unknown[] }> };
    };
  };
}
const requireCjs = createRequire(import.meta.url);

/** Study, series and SOP instance UIDs of a Part 10 file (read with dcmjs, pixel data skipped). */
export function readDicomIdentity(bytes: Uint8Array): {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
} {
  const dcmjs = requireCjs('dcmjs') as DcmjsReadApi;
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const { dict } = dcmjs.data.DicomMessage.readFile(buffer, { untilTag: '7FE00010' });
  const value = (tag: string) => String(dict[tag]?.Value?.[0] ?? '');
  return {
    studyInstanceUid: value('0020000D'),
    seriesInstanceUid: value('0020000E'),
    sopInstanceUid: value('00080018'),
  };
}

/** Identifies files this workstation writes from received data sets; a fixed 2.25 UUID-derived UID. */
const IMPLEMENTATION_CLASS_UID = '2.25.141470326718829931476734227946312810077';

function metaElement(element: number, vr: 'UI' | 'SH' | 'OB', value: Uint8Array): Buffer {
  const padded =
    value.length % 2 ? Buffer.concat([value, Buffer.from([vr === 'UI' ? 0 : 0x20])]) : Buffer.from(value);
  const long = vr === 'OB';
  const header = Buffer.alloc(long ? 12 : 8);
  header.writeUInt16LE(0x0002, 0);
  header.writeUInt16LE(element, 2);
  header.write(vr, 4, 'latin1');
  if (long) header.writeUInt32LE(padded.length, 8);
  else header.writeUInt16LE(padded.length, 6);
  return Buffer.concat([header, padded]);
}

/**
 * A Part 10 file around a data set exactly as it came over the network (in the transfer syntax it
 * was sent in): no decoding and re-encoding, so private attributes and pixel data stay byte-exact.
 */
export function part10File(meta: Part10Meta, dataset: Uint8Array): Uint8Array {
  const latin1 = (text: string) => Buffer.from(text, 'latin1');
  const body = Buffer.concat([
    metaElement(0x0001, 'OB', new Uint8Array([0, 1])),
    metaElement(0x0002, 'UI', latin1(meta.sopClassUid)),
    metaElement(0x0003, 'UI', latin1(meta.sopInstanceUid)),
    metaElement(0x0010, 'UI', latin1(meta.transferSyntaxUid)),
    metaElement(0x0012, 'UI', latin1(IMPLEMENTATION_CLASS_UID)),
    metaElement(0x0013, 'SH', latin1('CAUSALSAM')),
  ]);
  const groupLength = Buffer.alloc(12);
  groupLength.writeUInt16LE(0x0002, 0);
  groupLength.writeUInt16LE(0x0000, 2);
  groupLength.write('UL', 4, 'latin1');
  groupLength.writeUInt16LE(4, 6);
  groupLength.writeUInt32LE(body.length, 8);
  return Buffer.concat([Buffer.alloc(128), latin1('DICM'), groupLength, body, dataset]);
}

/** readPart10Meta from the head of a file: the meta group is small, the pixel data need not be read. */
export async function readPart10MetaOfFile(path: string): Promise<Part10Meta | undefined> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return readPart10Meta(head.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}
