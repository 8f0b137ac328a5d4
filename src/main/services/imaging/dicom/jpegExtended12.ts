// 12-bit JPEG Extended (ISO 10918-1 process 4: sequential DCT, Huffman, 12-bit samples; DICOM
// 1.2.840.10008.1.2.4.51), grayscale. No npm codec decodes it as the reference decoders do (the
// libjpeg-turbo wasm build is 8-bit only; the JS decoders' integer IDCTs differ by several levels),
// so this follows the IJG library that DCMTK (dcmdjpeg) and GDCM build with 12-bit samples: its
// accurate integer IDCT (jidctint.c) and its range limiting, so that the result equals theirs
// pixel for pixel. Colour 12-bit JPEG is not read (colour images are refused anyway).

const zigzag = Int32Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
]);

interface HuffmanTable {
  /** Per code length 1..16: the smallest code, the largest (-1 when none), the index of its first value. */
  minCode: Int32Array;
  maxCode: Int32Array;
  valueOffset: Int32Array;
  values: Uint8Array;
  /** The next 9 bits → (code length << 8 | value) for codes of up to 9 bits; 0 for longer ones. */
  fast: Uint16Array;
}

const FAST_BITS = 9;

function huffmanTable(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const minCode = new Int32Array(17);
  const maxCode = new Int32Array(18).fill(-1);
  const valueOffset = new Int32Array(17);
  const fast = new Uint16Array(1 << FAST_BITS);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    valueOffset[length] = k;
    minCode[length] = code;
    for (let c = 0; c < counts[length - 1]; c++, code++, k++) {
      if (length > FAST_BITS) continue;
      const shift = FAST_BITS - length;
      fast.fill((length << 8) | values[k], code << shift, (code + 1) << shift);
    }
    maxCode[length] = counts[length - 1] ? code - 1 : -1;
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff;
  return { minCode, maxCode, valueOffset, values, fast };
}

/** Entropy-coded bits, with 0xFF00 stuffing removed; past a marker or the end, zeros (as IJG does). */
class BitReader {
  /** The next `count` bits, in the low bits of `bits`. */
  private bits = 0;
  private count = 0;
  constructor(
    private readonly data: Uint8Array,
    public offset: number,
  ) {}

  /** Makes at least 25 bits available. */
  private fill(): void {
    while (this.count <= 24) {
      let byte = 0;
      if (this.offset < this.data.length) {
        byte = this.data[this.offset];
        if (byte === 0xff) {
          if (this.data[this.offset + 1] === 0x00) this.offset += 2;
          else byte = 0; // a marker: do not pass it
        } else {
          this.offset++;
        }
      }
      this.bits = ((this.bits << 8) | byte) >>> 0;
      this.count += 8;
    }
  }

  private peek(n: number): number {
    if (this.count < n) this.fill();
    return (this.bits >>> (this.count - n)) & ((1 << n) - 1);
  }

  receive(length: number): number {
    if (length === 0) return 0;
    const value = this.peek(length);
    this.count -= length;
    return value;
  }

  decode(table: HuffmanTable): number {
    const entry = table.fast[this.peek(FAST_BITS)];
    if (entry !== 0) {
      this.count -= entry >> 8;
      return entry & 0xff;
    }
    let length = FAST_BITS + 1;
    let code = this.peek(length);
    while (code > table.maxCode[length]) {
      if (++length > 16) throw new Error('corrupt Huffman code in the JPEG data');
      code = this.peek(length);
    }
    this.count -= length;
    return table.values[table.valueOffset[length] + code - table.minCode[length]];
  }

  /** Skips to the restart marker after the current interval and past it. */
  restart(): void {
    this.bits = 0;
    this.count = 0;
    while (this.offset + 1 < this.data.length) {
      if (
        this.data[this.offset] === 0xff &&
        this.data[this.offset + 1] >= 0xd0 &&
        this.data[this.offset + 1] <= 0xd7
      ) {
        this.offset += 2;
        return;
      }
      this.offset++;
    }
  }
}

/** HUFF_EXTEND: a received magnitude of `length` bits as a signed value. */
const extend = (value: number, length: number): number =>
  length === 0 ? 0 : value < 1 << (length - 1) ? value - (1 << length) + 1 : value;

export interface Jpeg12Frame {
  width: number;
  height: number;
  precision: number;
  /** Samples, row by row. */
  samples: Uint16Array;
}

/** Decodes one grayscale sequential-DCT Huffman JPEG of 8- or 12-bit precision. */
export function decodeJpegExtended(data: Uint8Array): Jpeg12Frame {
  if (data[0] !== 0xff || data[1] !== 0xd8) throw new Error('the frame is not a JPEG stream (no SOI marker)');
  const quant: Int32Array[] = [];
  const dcTables: HuffmanTable[] = [];
  const acTables: HuffmanTable[] = [];
  let restartInterval = 0;
  let frame: { width: number; height: number; precision: number; quantTable: number } | undefined;
  let n = 2;
  const u16 = (at: number) => (data[at] << 8) | data[at + 1];
  while (n + 4 <= data.length) {
    if (data[n] !== 0xff) throw new Error('corrupt JPEG marker structure');
    const marker = data[n + 1];
    if (marker === 0xff) {
      n++;
      continue;
    }
    const length = u16(n + 2);
    const body = n + 4;
    const end = n + 2 + length;
    if (marker === 0xdb) {
      for (let at = body; at < end;) {
        const wide = data[at] >> 4;
        const id = data[at] & 15;
        const table = new Int32Array(64);
        for (let k = 0; k < 64; k++) table[zigzag[k]] = wide ? u16(at + 1 + 2 * k) : data[at + 1 + k];
        quant[id] = table;
        at += 1 + 64 * (wide ? 2 : 1);
      }
    } else if (marker === 0xc4) {
      for (let at = body; at < end;) {
        const kind = data[at] >> 4;
        const id = data[at] & 15;
        const counts = data.subarray(at + 1, at + 17);
        const total = counts.reduce((s, c) => s + c, 0);
        const table = huffmanTable(counts, data.slice(at + 17, at + 17 + total));
        (kind === 0 ? dcTables : acTables)[id] = table;
        at += 17 + total;
      }
    } else if (marker === 0xdd) {
      restartInterval = u16(body);
    } else if (marker === 0xc0 || marker === 0xc1) {
      const components = data[body + 5];
      if (components !== 1) throw new Error(`${components}-component 12-bit JPEG (colour) is not read`);
      frame = {
        precision: data[body],
        height: u16(body + 1),
        width: u16(body + 3),
        quantTable: data[body + 8],
      };
    } else if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      throw new Error(
        `JPEG process with SOF marker 0x${marker.toString(16)} (progressive, lossless or arithmetic) is not read by this decoder`,
      );
    } else if (marker === 0xda) {
      if (!frame) throw new Error('the JPEG scan comes before its frame header');
      const table = data[body + 2];
      return decodeScan(
        data,
        end,
        frame,
        quant[frame.quantTable],
        dcTables[table >> 4],
        acTables[table & 15],
        restartInterval,
      );
    }
    n = end;
  }
  throw new Error('the JPEG stream has no scan');
}

function decodeScan(
  data: Uint8Array,
  start: number,
  frame: { width: number; height: number; precision: number },
  quantTable: Int32Array | undefined,
  dc: HuffmanTable | undefined,
  ac: HuffmanTable | undefined,
  restartInterval: number,
): Jpeg12Frame {
  if (!quantTable || !dc || !ac) throw new Error('the JPEG scan refers to a missing table');
  const { width, height, precision } = frame;
  const blocksPerLine = Math.ceil(width / 8);
  const blockLines = Math.ceil(height / 8);
  const samples = new Uint16Array(width * height);
  const reader = new BitReader(data, start);
  const coefficients = new Int32Array(64);
  const block = new Uint16Array(64);
  const limit = rangeLimiter(precision);
  let predictor = 0;
  let count = 0;
  for (let by = 0; by < blockLines; by++) {
    for (let bx = 0; bx < blocksPerLine; bx++) {
      if (restartInterval && count > 0 && count % restartInterval === 0) {
        reader.restart();
        predictor = 0;
      }
      count++;
      coefficients.fill(0);
      const t = reader.decode(dc);
      predictor += extend(reader.receive(t), t);
      coefficients[0] = predictor;
      for (let k = 1; k < 64;) {
        const rs = reader.decode(ac);
        const r = rs >> 4;
        const s = rs & 15;
        if (s === 0) {
          if (r !== 15) break;
          k += 16;
          continue;
        }
        k += r;
        if (k > 63) break;
        coefficients[zigzag[k]] = extend(reader.receive(s), s);
        k++;
      }
      inverseDct(coefficients, quantTable, block, limit, precision);
      for (let y = 0; y < 8; y++) {
        const row = by * 8 + y;
        if (row >= height) break;
        for (let x = 0; x < 8; x++) {
          const column = bx * 8 + x;
          if (column < width) samples[row * width + column] = block[y * 8 + x];
        }
      }
    }
  }
  return { width, height, precision, samples };
}

/** IJG's post-IDCT range limit: the value masked to RANGE_MASK, wrapped to signed, centred, clamped. */
function rangeLimiter(precision: number): (value: number) => number {
  const max = (1 << precision) - 1;
  const center = 1 << (precision - 1);
  const mask = max * 4 + 3;
  return (value) => {
    let v = value & mask;
    if (v >= 2 * (max + 1)) v -= 4 * (max + 1);
    return Math.min(max, Math.max(0, v + center));
  };
}

// jidctint.c's constants: CONST_BITS 13, FIX(x) = round(x * 2^13).
const CONST_BITS = 13;
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

/** DESCALE: a rounded arithmetic right shift, exact beyond 32 bits (IJG's INT32 is a C long). */
const powersOfTwo = Float64Array.from({ length: 32 }, (_, n) => 2 ** n);
const descale = (x: number, n: number): number => Math.floor((x + powersOfTwo[n - 1]) / powersOfTwo[n]);

const work = new Float64Array(64);
const pass = new Float64Array(8);

/** IJG's jpeg_idct_islow: dequantise, two 1-D passes (columns, then rows), range-limit. */
function inverseDct(
  input: Int32Array,
  quant: Int32Array,
  out: Uint16Array,
  limit: (v: number) => number,
  precision: number,
): void {
  const pass1Bits = precision === 8 ? 2 : 1;
  for (let c = 0; c < 8; c++) {
    let acZero = true;
    for (let row = 1; row < 8 && acZero; row++) acZero = input[row * 8 + c] === 0;
    if (acZero) {
      const dc = input[c] * quant[c] * powersOfTwo[pass1Bits];
      for (let row = 0; row < 8; row++) work[row * 8 + c] = dc;
      continue;
    }
    const at = (row: number) => input[row * 8 + c] * quant[row * 8 + c];
    oneDimensional(at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), pass);
    for (let row = 0; row < 8; row++) work[row * 8 + c] = descale(pass[row], CONST_BITS - pass1Bits);
  }
  for (let row = 0; row < 8; row++) {
    const o = row * 8;
    let acZero = true;
    for (let col = 1; col < 8 && acZero; col++) acZero = work[o + col] === 0;
    if (acZero) {
      const value = limit(descale(work[o], pass1Bits + 3));
      for (let col = 0; col < 8; col++) out[o + col] = value;
      continue;
    }
    oneDimensional(
      work[o],
      work[o + 1],
      work[o + 2],
      work[o + 3],
      work[o + 4],
      work[o + 5],
      work[o + 6],
      work[o + 7],
      pass,
    );
    for (let col = 0; col < 8; col++) out[o + col] = limit(descale(pass[col], CONST_BITS + pass1Bits + 3));
  }
}

/** One 1-D pass of jidctint.c into `out`, before its final DESCALE: scaled by 2^CONST_BITS. */
function oneDimensional(
  d0: number,
  d1: number,
  d2: number,
  d3: number,
  d4: number,
  d5: number,
  d6: number,
  d7: number,
  out: Float64Array,
): void {
  // Even part.
  let z1 = (d2 + d6) * FIX_0_541196100;
  let tmp2 = z1 + d6 * -FIX_1_847759065;
  let tmp3 = z1 + d2 * FIX_0_765366865;
  let tmp0 = (d0 + d4) * powersOfTwo[CONST_BITS];
  let tmp1 = (d0 - d4) * powersOfTwo[CONST_BITS];
  const tmp10 = tmp0 + tmp3;
  const tmp13 = tmp0 - tmp3;
  const tmp11 = tmp1 + tmp2;
  const tmp12 = tmp1 - tmp2;
  // Odd part.
  tmp0 = d7;
  tmp1 = d5;
  tmp2 = d3;
  tmp3 = d1;
  z1 = tmp0 + tmp3;
  let z2 = tmp1 + tmp2;
  let z3 = tmp0 + tmp2;
  let z4 = tmp1 + tmp3;
  const z5 = (z3 + z4) * FIX_1_175875602;
  tmp0 *= FIX_0_298631336;
  tmp1 *= FIX_2_053119869;
  tmp2 *= FIX_3_072711026;
  tmp3 *= FIX_1_501321110;
  z1 *= -FIX_0_899976223;
  z2 *= -FIX_2_562915447;
  z3 *= -FIX_1_961570560;
  z4 *= -FIX_0_390180644;
  z3 += z5;
  z4 += z5;
  tmp0 += z1 + z3;
  tmp1 += z2 + z4;
  tmp2 += z2 + z3;
  tmp3 += z1 + z4;
  out[0] = tmp10 + tmp3;
  out[1] = tmp11 + tmp2;
  out[2] = tmp12 + tmp1;
  out[3] = tmp13 + tmp0;
  out[4] = tmp13 - tmp0;
  out[5] = tmp12 - tmp1;
  out[6] = tmp11 - tmp2;
  out[7] = tmp10 - tmp3;
}
