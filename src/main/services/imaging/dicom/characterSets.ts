// DICOM text bytes → Unicode, for every character set PS3.3 C.12.1.1.2 defines: the single-byte
// sets, UTF-8, GB18030/GBK, and ISO 2022 code extensions with escape sequences (Japanese, Korean,
// Chinese, and the ISO 8859 family in G1). The byte-level decoding is the platform's TextDecoder
// (WHATWG encodings over ICU); this file only tracks which set each run of bytes is in.

/** A decoder for one graphic set: the bytes of a run, the decoded text, and whether it was clean. */
type RunDecoder = (bytes: Uint8Array) => { text: string; clean: boolean };

function whatwg(label: string, transform?: (bytes: Uint8Array) => Uint8Array): RunDecoder {
  const fatal = new TextDecoder(label, { fatal: true });
  const lenient = new TextDecoder(label);
  return (bytes) => {
    const input = transform ? transform(bytes) : bytes;
    try {
      return { text: fatal.decode(input), clean: true };
    } catch {
      return { text: lenient.decode(input), clean: false };
    }
  };
}

/** ISO 8859-1 proper: every byte is its code point (the WHATWG "latin1" label is windows-1252). */
const latin1: RunDecoder = (bytes) => {
  let text = '';
  for (let n = 0; n < bytes.length; n += 8192) text += String.fromCharCode(...bytes.subarray(n, n + 8192));
  return { text, clean: true };
};

const ascii: RunDecoder = (bytes) => ({
  text: latin1(bytes).text,
  clean: bytes.every((b) => b < 0x80),
});

const highBitsSet = (bytes: Uint8Array): Uint8Array => bytes.map((b) => b | 0x80);
/** JIS X 0212 in EUC-JP is SS3 (0x8F) before each two-byte character. */
const jisX0212AsEucJp = (bytes: Uint8Array): Uint8Array => {
  const out: number[] = [];
  for (let n = 0; n + 1 < bytes.length; n += 2) out.push(0x8f, bytes[n] | 0x80, bytes[n + 1] | 0x80);
  return Uint8Array.from(out);
};

const decoders = new Map<string, RunDecoder>();
function decoder(key: string): RunDecoder {
  let d = decoders.get(key);
  if (!d) {
    d = makeDecoder(key);
    decoders.set(key, d);
  }
  return d;
}

function makeDecoder(key: string): RunDecoder {
  switch (key) {
    case 'ascii':
      return ascii;
    case 'latin1':
      return latin1;
    // JIS X 0201 katakana (ISO_IR 13, G1): Shift_JIS has the same single bytes 0xA1–0xDF.
    case 'jisx0201':
      return whatwg('shift_jis');
    case 'jisx0208':
      return whatwg('euc-jp', highBitsSet);
    case 'jisx0212':
      return whatwg('euc-jp', jisX0212AsEucJp);
    default:
      return whatwg(key);
  }
}

interface CharacterSet {
  /** Decoder of bytes 0x00–0x7F (G0) and of bytes 0x80–0xFF (G1) when this set is the initial one. */
  g0: string;
  g1: string;
  /** A multi-byte set read as a whole (no code extensions): UTF-8, GB18030, GBK. */
  whole?: string;
}

/** Defined terms of SpecificCharacterSet, with and without code extensions. */
const characterSets: Record<string, CharacterSet> = {
  '': { g0: 'ascii', g1: 'latin1' },
  ISO_IR_6: { g0: 'ascii', g1: 'latin1' },
  ISO_IR_100: { g0: 'ascii', g1: 'latin1' },
  ISO_IR_101: { g0: 'ascii', g1: 'iso-8859-2' },
  ISO_IR_109: { g0: 'ascii', g1: 'iso-8859-3' },
  ISO_IR_110: { g0: 'ascii', g1: 'iso-8859-4' },
  ISO_IR_144: { g0: 'ascii', g1: 'iso-8859-5' },
  ISO_IR_127: { g0: 'ascii', g1: 'iso-8859-6' },
  ISO_IR_126: { g0: 'ascii', g1: 'iso-8859-7' },
  ISO_IR_138: { g0: 'ascii', g1: 'iso-8859-8' },
  ISO_IR_148: { g0: 'ascii', g1: 'windows-1254' },
  ISO_IR_203: { g0: 'ascii', g1: 'iso-8859-15' },
  ISO_IR_13: { g0: 'ascii', g1: 'jisx0201' },
  ISO_IR_166: { g0: 'ascii', g1: 'windows-874' },
  ISO_IR_192: { g0: 'ascii', g1: 'latin1', whole: 'utf-8' },
  GB18030: { g0: 'ascii', g1: 'latin1', whole: 'gb18030' },
  GBK: { g0: 'ascii', g1: 'latin1', whole: 'gbk' },
  ISO_2022_IR_6: { g0: 'ascii', g1: 'latin1' },
  ISO_2022_IR_100: { g0: 'ascii', g1: 'latin1' },
  ISO_2022_IR_101: { g0: 'ascii', g1: 'iso-8859-2' },
  ISO_2022_IR_109: { g0: 'ascii', g1: 'iso-8859-3' },
  ISO_2022_IR_110: { g0: 'ascii', g1: 'iso-8859-4' },
  ISO_2022_IR_144: { g0: 'ascii', g1: 'iso-8859-5' },
  ISO_2022_IR_127: { g0: 'ascii', g1: 'iso-8859-6' },
  ISO_2022_IR_126: { g0: 'ascii', g1: 'iso-8859-7' },
  ISO_2022_IR_138: { g0: 'ascii', g1: 'iso-8859-8' },
  ISO_2022_IR_148: { g0: 'ascii', g1: 'windows-1254' },
  ISO_2022_IR_203: { g0: 'ascii', g1: 'iso-8859-15' },
  ISO_2022_IR_13: { g0: 'ascii', g1: 'jisx0201' },
  ISO_2022_IR_166: { g0: 'ascii', g1: 'windows-874' },
  ISO_2022_IR_87: { g0: 'jisx0208', g1: 'latin1' },
  ISO_2022_IR_159: { g0: 'jisx0212', g1: 'latin1' },
  ISO_2022_IR_149: { g0: 'ascii', g1: 'euc-kr' },
  ISO_2022_IR_58: { g0: 'ascii', g1: 'gbk' },
};

/** ISO 2022 escape sequences (after ESC) → the graphic set they designate, to G0 or G1. */
const escapes: Record<string, { g: 0 | 1; set: string }> = {
  '(B': { g: 0, set: 'ascii' },
  '(J': { g: 0, set: 'ascii' }, // JIS X 0201 Roman: ASCII but for ¥ and ‾, kept as \ and ~ by DICOM readers
  ')I': { g: 1, set: 'jisx0201' },
  $B: { g: 0, set: 'jisx0208' },
  '$(D': { g: 0, set: 'jisx0212' },
  '$)C': { g: 1, set: 'euc-kr' },
  '$)A': { g: 1, set: 'gbk' },
  '-A': { g: 1, set: 'latin1' },
  '-B': { g: 1, set: 'iso-8859-2' },
  '-C': { g: 1, set: 'iso-8859-3' },
  '-D': { g: 1, set: 'iso-8859-4' },
  '-L': { g: 1, set: 'iso-8859-5' },
  '-G': { g: 1, set: 'iso-8859-6' },
  '-F': { g: 1, set: 'iso-8859-7' },
  '-H': { g: 1, set: 'iso-8859-8' },
  '-M': { g: 1, set: 'windows-1254' },
  '-T': { g: 1, set: 'windows-874' },
  '-b': { g: 1, set: 'iso-8859-15' },
};

/** SpecificCharacterSet values as their defined terms: "ISO 2022 IR 87" → "ISO_2022_IR_87". */
export function characterSetTerms(value: string | string[] | undefined): string[] {
  const list = Array.isArray(value) ? value : (value ?? '').split('\\');
  return list.map((term) =>
    term
      .trim()
      .toUpperCase()
      .replace(/[\s-]+/g, '_'),
  );
}

/** The terms of `terms` this reader does not know (they are read as ASCII/Latin-1, with a warning). */
export function unknownCharacterSets(terms: string[]): string[] {
  return terms.filter((term) => !(term in characterSets));
}

export interface DecodedText {
  text: string;
  /** False when some bytes were not valid in the set they claimed to be in (they became U+FFFD). */
  clean: boolean;
}

/**
 * Decodes one text value (all its values and PN groups, delimiters included) in the character set
 * `terms` names. ISO 2022 escape sequences switch G0 or G1; the state returns to the initial set at
 * each value delimiter and line end, as PS3.5 6.1.2.5.3 requires encoders to.
 */
export function decodeDicomText(bytes: Uint8Array, terms: string[]): DecodedText {
  const initial = { ...(characterSets[terms[0] ?? ''] ?? characterSets['']) };
  if (initial.whole) return decoder(initial.whole)(bytes);
  // Some writers (pydicom 2.3 among them) put Korean or Chinese bytes in G1 without the escape
  // sequence that designates the set; when the first set has no G1 of its own, read them in the
  // two-byte set the file declares.
  const twoByteG1 = terms.slice(1).find((t) => t === 'ISO_2022_IR_149' || t === 'ISO_2022_IR_58');
  if (twoByteG1 && (terms[0] === '' || terms[0] === 'ISO_2022_IR_6'))
    initial.g1 = characterSets[twoByteG1].g1;
  let g0 = initial.g0;
  let g1 = initial.g1;
  let text = '';
  let clean = true;
  let runStart = 0;
  let runHigh = false;
  const flush = (end: number) => {
    if (end > runStart) {
      const out = decoder(runHigh ? g1 : g0)(bytes.subarray(runStart, end));
      text += out.text;
      clean &&= out.clean;
    }
    runStart = end;
  };
  for (let n = 0; n < bytes.length; n++) {
    const b = bytes[n];
    if (b === 0x1b) {
      flush(n);
      const escape = escapeAt(bytes, n + 1);
      if (escape) {
        if (escape.g === 0) g0 = escape.set;
        else g1 = escape.set;
        n += escape.length;
      } else {
        clean = false;
      }
      runStart = n + 1;
      continue;
    }
    const high = b >= 0x80;
    // Delimiters are ASCII in G0 only when G0 is a single-byte set; inside a two-byte G0 set
    // (JIS X 0208/0212) a 0x5C or 0x3D is half of a character.
    const singleByteG0 = g0 === 'ascii';
    const delimiter = singleByteG0 && !high && (b === 0x5c || b === 0x0a || b === 0x0d);
    if (high !== runHigh || delimiter) {
      flush(n);
      runHigh = high;
    }
    if (delimiter) {
      g0 = initial.g0;
      g1 = initial.g1;
    }
  }
  flush(bytes.length);
  return { text, clean };
}

function escapeAt(bytes: Uint8Array, at: number): { g: 0 | 1; set: string; length: number } | undefined {
  for (const length of [2, 3]) {
    const key = String.fromCharCode(...bytes.subarray(at, at + length));
    const escape = escapes[key];
    if (escape && key.length === length) return { ...escape, length };
  }
  return undefined;
}
