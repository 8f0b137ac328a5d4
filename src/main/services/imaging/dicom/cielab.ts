// DICOM colours are CIELab scaled to 0…65535 (PS3.3 C.10.7.1.1), relative to the D65 white point.
import type { Vec3 } from '../../../../shared/volume';

const white: Vec3 = [0.95047, 1.0, 1.08883];

export function dicomLabToRgb(scaled: number[]): Vec3 {
  const L = (scaled[0] / 65535) * 100;
  const a = (scaled[1] / 65535) * 255 - 128;
  const b = (scaled[2] / 65535) * 255 - 128;
  const fy = (L + 16) / 116;
  const fx = fy + a / 500;
  const fz = fy - b / 200;
  const inverse = (t: number) => (t > 6 / 29 ? t ** 3 : 3 * (6 / 29) ** 2 * (t - 4 / 29));
  const [x, y, z] = [white[0] * inverse(fx), white[1] * inverse(fy), white[2] * inverse(fz)];
  const linear = [
    3.2404542 * x - 1.5371385 * y - 0.4985314 * z,
    -0.969266 * x + 1.8760108 * y + 0.041556 * z,
    0.0556434 * x - 0.2040259 * y + 1.0572252 * z,
  ];
  const gamma = (c: number) => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);
  return linear.map((c) => Math.round(Math.min(1, Math.max(0, gamma(c))) * 255)) as Vec3;
}
