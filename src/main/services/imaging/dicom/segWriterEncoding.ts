// Explicit VR Little Endian encoding of naturalized DICOM elements (PS3.5 7.1.2), for the bulky tail of
// a SEG: the per-frame functional groups and the pixel data. dcmjs writes through a list of fixed-size
// chunks that it searches on every write, so its time grows with the square of the output: 6,000
// per-frame items took 22 s there, a few hundred ms here.
import { LONG_LENGTH_VRS, TEXT_VRS } from './attributeSets';

/** A data dictionary entry as dcmjs's DicomMetaDictionary.nameMap gives it: tag "(gggg,eeee)" and VR. */
export interface DictionaryEntry {
  tag: string;
  vr: string;
}
export type NameMap = Readonly<Record<string, DictionaryEntry | undefined>>;

// The SEG declares ISO_IR 192: text VRs are written as UTF-8.
const STRING_VRS = new Set([...TEXT_VRS, 'AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'TM', 'UI', 'UR']);
const UNDEFINED_LENGTH = 0xffffffff;

const utf8 = new TextEncoder();

function tagNumbers(entry: DictionaryEntry): [number, number] {
  const match = /^\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)$/.exec(entry.tag);
  if (!match) throw new Error(`cannot encode the repeating or private tag ${entry.tag}`);
  return [parseInt(match[1], 16), parseInt(match[2], 16)];
}

/** Collects encoded bytes as a list of parts; `concat` joins them once at the end. */
export class ExplicitLittleEndianWriter {
  private readonly parts: Uint8Array[] = [];
  private byteLength = 0;

  constructor(private readonly nameMap: NameMap) {}

  get length(): number {
    return this.byteLength;
  }

  private push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.byteLength += bytes.length;
  }

  private header(group: number, element: number, vr: string, length: number): void {
    const long = LONG_LENGTH_VRS.has(vr);
    const bytes = new Uint8Array(long ? 12 : 8);
    const view = new DataView(bytes.buffer);
    view.setUint16(0, group, true);
    view.setUint16(2, element, true);
    bytes[4] = vr.charCodeAt(0);
    bytes[5] = vr.charCodeAt(1);
    if (long) view.setUint32(8, length, true);
    else {
      if (length > 0xffff) throw new Error(`a ${vr} value of ${length} bytes does not fit a 16-bit length`);
      view.setUint16(6, length, true);
    }
    this.push(bytes);
  }

  private marker(element: number, length: number): void {
    const bytes = new Uint8Array(8);
    const view = new DataView(bytes.buffer);
    view.setUint16(0, 0xfffe, true);
    view.setUint16(2, element, true);
    view.setUint32(4, length, true);
    this.push(bytes);
  }

  /** The elements of a naturalized dataset in ascending tag order, as PS3.5 7.1 requires. */
  dataset(dataset: Readonly<Record<string, unknown>>): void {
    const elements = Object.entries(dataset).map(([keyword, value]) => {
      const entry = this.nameMap[keyword];
      if (!entry) throw new Error(`no DICOM dictionary entry for ${keyword}`);
      const [group, element] = tagNumbers(entry);
      return { keyword, value, group, element, vr: entry.vr };
    });
    elements.sort((a, b) => a.group - b.group || a.element - b.element);
    for (const e of elements) this.element(e.group, e.element, e.vr, e.value, e.keyword);
  }

  /** One element; sequences with undefined length and delimited items (PS3.5 7.5.2). */
  element(group: number, element: number, vr: string, value: unknown, keyword = ''): void {
    if (vr === 'SQ') {
      if (!Array.isArray(value)) throw new Error(`${keyword}: a sequence needs an array of items`);
      this.header(group, element, vr, UNDEFINED_LENGTH);
      for (const item of value as Record<string, unknown>[]) {
        this.marker(0xe000, UNDEFINED_LENGTH);
        this.dataset(item);
        this.marker(0xe00d, 0);
      }
      this.marker(0xe0dd, 0);
      return;
    }
    const bytes = this.encodeValue(vr, value, keyword);
    this.header(group, element, vr, bytes.length);
    this.push(bytes);
  }

  private encodeValue(vr: string, value: unknown, keyword: string): Uint8Array {
    if (vr === 'OB') {
      const bytes = value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBuffer);
      // OB values are padded to even length with a zero byte (PS3.5 7.1.1).
      if (bytes.length % 2 === 0) return bytes;
      const padded = new Uint8Array(bytes.length + 1);
      padded.set(bytes);
      return padded;
    }
    const values = Array.isArray(value) ? value : [value];
    if (STRING_VRS.has(vr)) {
      const text = values.map((v) => (typeof v === 'number' ? String(v) : (v as string))).join('\\');
      const encoded = TEXT_VRS.has(vr) ? utf8.encode(text) : asciiBytes(text, keyword);
      if (encoded.length % 2 === 0) return encoded;
      // UI is padded with NUL, every other string VR with a space (PS3.5 6.2).
      const padded = new Uint8Array(encoded.length + 1);
      padded.set(encoded);
      padded[encoded.length] = vr === 'UI' ? 0 : 0x20;
      return padded;
    }
    const numbers = values as number[];
    const size = { US: 2, SS: 2, UL: 4, SL: 4, AT: 4, FL: 4, FD: 8 }[vr];
    if (size === undefined) throw new Error(`${keyword}: VR ${vr} is not supported by this encoder`);
    const bytes = new Uint8Array(numbers.length * size);
    const view = new DataView(bytes.buffer);
    numbers.forEach((n, i) => {
      const at = i * size;
      if (vr === 'US') view.setUint16(at, n, true);
      else if (vr === 'SS') view.setInt16(at, n, true);
      else if (vr === 'UL') view.setUint32(at, n, true);
      else if (vr === 'SL') view.setInt32(at, n, true);
      else if (vr === 'FL') view.setFloat32(at, n, true);
      else if (vr === 'FD') view.setFloat64(at, n, true);
      else {
        // AT: the tag as two 16-bit numbers, group first.
        view.setUint16(at, n >>> 16, true);
        view.setUint16(at + 2, n & 0xffff, true);
      }
    });
    return bytes;
  }

  /** `head` followed by everything written here, in one array. */
  concat(head: Uint8Array): Uint8Array {
    const out = new Uint8Array(head.length + this.byteLength);
    out.set(head);
    let offset = head.length;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
}

function asciiBytes(text: string, keyword: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let n = 0; n < text.length; n++) {
    const code = text.charCodeAt(n);
    if (code > 0x7e) throw new Error(`${keyword}: "${text}" is not plain ASCII`);
    bytes[n] = code;
  }
  return bytes;
}
