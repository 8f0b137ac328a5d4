// Just enough of a PNG decoder for Playwright screenshots (8-bit RGB or RGBA, not interlaced), so
// pixel checks need no extra dependency. Returns luminance per pixel.
import { inflateSync } from 'node:zlib';

export interface GrayImage {
  width: number;
  height: number;
  /** Rec. 601 luma, 0–255, row-major. */
  luma: Float32Array;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(png: Buffer): GrayImage {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colour, , , interlace] = data.subarray(8, 13);
      if (depth !== 8 || interlace !== 0 || (colour !== 2 && colour !== 6)) {
        throw new Error(`unsupported PNG (depth ${depth}, colour type ${colour}, interlace ${interlace})`);
      }
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? pixels[y * stride + x - channels] : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const upLeft = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter];
      if (predictor === undefined) throw new Error(`bad PNG filter ${filter}`);
      pixels[y * stride + x] = (line[x] + predictor) & 0xff;
    }
  }
  const luma = new Float32Array(width * height);
  for (let n = 0; n < luma.length; n++) {
    const p = n * channels;
    luma[n] = 0.299 * pixels[p] + 0.587 * pixels[p + 1] + 0.114 * pixels[p + 2];
  }
  return { width, height, luma };
}

export interface PixelStats {
  /** Fraction of pixels brighter than near-black. */
  nonBlack: number;
  variance: number;
}

export function pixelStats(image: GrayImage): PixelStats {
  let sum = 0;
  let sumSq = 0;
  let bright = 0;
  for (const v of image.luma) {
    sum += v;
    sumSq += v * v;
    if (v > 8) bright++;
  }
  const n = image.luma.length;
  const mean = sum / n;
  return { nonBlack: bright / n, variance: sumSq / n - mean * mean };
}

/** Mean absolute luma difference of two same-sized images. */
export function meanDifference(a: GrayImage, b: GrayImage): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error('images differ in size');
  let sum = 0;
  for (let n = 0; n < a.luma.length; n++) sum += Math.abs(a.luma[n] - b.luma[n]);
  return sum / a.luma.length;
}
