// Text attributes decoded in their own character set. dcmjs decodes text while it parses and cannot
// switch character sets inside a value (ISO 2022 escape sequences): it refuses a multi-valued
// SpecificCharacterSet outright. So the value of (0008,0005) is blanked for the parse (dcmjs then
// reads every byte as windows-1252, which maps each byte to its own code point and back), and the
// text elements are decoded again here from those bytes. Text never stops pixels from loading.
import { TEXT_VRS } from './attributeSets';
import { characterSetTerms, decodeDicomText, unknownCharacterSets } from './characterSets';
import { readMetaGroup } from './metaHeader';
import { loadDcmjs, type DcmjsElement } from './vendor';

/** VRs whose single value keeps its leading spaces and may hold backslashes. */
const freeTextVrs = new Set(['ST', 'LT', 'UT']);

let windows1252Bytes: Map<string, number> | undefined;
/** The inverse of WHATWG windows-1252 decoding: a bijection of the 256 byte values. */
function byteOf(char: string): number {
  if (!windows1252Bytes) {
    const decoded = new TextDecoder('windows-1252').decode(Uint8Array.from({ length: 256 }, (_, n) => n));
    windows1252Bytes = new Map([...decoded].map((c, n) => [c, n]));
  }
  return windows1252Bytes.get(char) ?? 0x3f;
}

export interface BlankedCharacterSet {
  /** The defined terms the file declared, e.g. ["ISO_2022_IR_13", "ISO_2022_IR_87"]. */
  terms: string[];
  /** Puts the original bytes back. */
  restore(): void;
}

/**
 * Finds SpecificCharacterSet at the start of the dataset (it sorts before every element but the
 * retired group lengths) and overwrites its value with spaces until restore(). Undefined when the
 * file declares none, or its dataset cannot be walked here (deflated).
 */
export function blankSpecificCharacterSet(
  bytes: Uint8Array,
  transferSyntaxUid: string | undefined,
): BlankedCharacterSet | undefined {
  if (transferSyntaxUid === '1.2.840.10008.1.2.1.99') return undefined;
  const implicit = transferSyntaxUid === undefined || transferSyntaxUid === '1.2.840.10008.1.2';
  const little = transferSyntaxUid !== '1.2.840.10008.1.2.2';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = readMetaGroup(bytes).end;
  while (n + 8 <= bytes.length && view.getUint16(n, little) === 0x0008) {
    const element = view.getUint16(n + 2, little);
    const length = implicit ? view.getUint32(n + 4, little) : view.getUint16(n + 6, little);
    if (element > 5 || n + 8 + length > bytes.length) return undefined;
    if (element === 5) {
      const value = bytes.subarray(n + 8, n + 8 + length);
      const original = value.slice();
      const terms = characterSetTerms(String.fromCharCode(...original));
      if (terms.every((t) => t === '')) return undefined;
      value.fill(0x20);
      return { terms, restore: () => value.set(original) };
    }
    n += 8 + length;
  }
  return undefined;
}

/**
 * Decodes the text elements of a dcmjs dictionary (sequences included) in `terms`, from the raw
 * values dcmjs read as windows-1252. Returns the warnings for the user: unknown sets, and the
 * attributes that could not be decoded cleanly.
 */
export function decodeTextElements(dict: Record<string, DcmjsElement>, terms: string[]): string[] {
  const unclean = new Set<string>();
  redecode(dict, terms, unclean);
  const warnings: string[] = [];
  const unknown = unknownCharacterSets(terms);
  const declared = terms.join('\\');
  if (unknown.length > 0) {
    warnings.push(
      `its character set ${unknown.join(', ')} is not one DICOM defines; text was read as ISO 8859-1`,
    );
  }
  if (unclean.size > 0) {
    warnings.push(
      `text in ${[...unclean].join(', ')} is not valid ${declared}; undecodable characters show as �`,
    );
  }
  return warnings;
}

function redecode(dict: Record<string, DcmjsElement>, terms: string[], unclean: Set<string>): void {
  for (const [tag, element] of Object.entries(dict)) {
    if (element.vr === 'SQ') {
      for (const item of element.Value ?? []) {
        if (item && typeof item === 'object') redecode(item as Record<string, DcmjsElement>, terms, unclean);
      }
      continue;
    }
    if (!TEXT_VRS.has(element.vr) || element._rawValue === undefined) continue;
    const raw = Array.isArray(element._rawValue) ? element._rawValue.join('\\') : String(element._rawValue);
    const bytes = Uint8Array.from(raw, byteOf);
    const { text, clean } = decodeDicomText(bytes, terms);
    if (!clean) unclean.add(tagName(tag));
    element.Value = valuesOf(text, element.vr);
  }
}

function valuesOf(text: string, vr: string): unknown[] {
  const unpadded = text.replace(/[\s\0]+$/, '');
  if (freeTextVrs.has(vr)) return unpadded === '' ? [] : [unpadded];
  const values = unpadded.split('\\').map((v) => v.replace(/^\s+|[\s\0]+$/g, ''));
  if (vr !== 'PN') return values;
  return values.filter(Boolean).map((v) => {
    const [alphabetic, ideographic, phonetic] = v.split('=');
    return {
      ...(alphabetic ? { Alphabetic: alphabetic } : {}),
      ...(ideographic ? { Ideographic: ideographic } : {}),
      ...(phonetic ? { Phonetic: phonetic } : {}),
    };
  });
}

/** The attribute's keyword, else its tag as (gggg,eeee). */
function tagName(tag: string): string {
  const key = `(${tag.slice(0, 4)},${tag.slice(4, 8)})`;
  return loadDcmjs().data.DicomMetaDictionary.dictionary[key]?.name ?? key;
}
