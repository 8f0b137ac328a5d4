// How a prompted structure is followed from slice to slice: what the next slice's mask may be, and
// when the structure has ended. Pure logic on S × S model-pixel masks; engineRuns runs the model.

/** The intensities a prompted structure has on the slice it was prompted on: median and spread. */
export interface IntensityProfile {
  median: number;
  /** 1.4826 × median absolute deviation (σ for a normal distribution), at least 0.02. */
  spread: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : 0;
}

/** Profile of `image` (S × S, normalised) under `mask`; null for an empty mask. */
export function intensityProfile(image: Float32Array, mask: Uint8Array): IntensityProfile | null {
  const values: number[] = [];
  for (let p = 0; p < mask.length; p++) if (mask[p]) values.push(image[p]);
  if (!values.length) return null;
  const m = median(values);
  return { median: m, spread: Math.max(0.02, 1.4826 * median(values.map((v) => Math.abs(v - m)))) };
}

/** Square dilation of a 0/1 mask by r pixels (separable running maximum). */
export function dilateSquare(mask: Uint8Array, size: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  const rows = new Uint8Array(mask.length);
  for (let y = 0; y < size; y++) {
    const line = y * size;
    for (let x = 0; x < size; x++) {
      if (!mask[line + x]) continue;
      const from = Math.max(0, x - r);
      const to = Math.min(size - 1, x + r);
      for (let t = from; t <= to; t++) rows[line + t] = 1;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let x = 0; x < size; x++) {
    for (let y = 0; y < size; y++) {
      if (!rows[y * size + x]) continue;
      const from = Math.max(0, y - r);
      const to = Math.min(size - 1, y + r);
      for (let t = from; t <= to; t++) out[t * size + x] = 1;
    }
  }
  return out;
}

/**
 * How far (model pixels) a structure's outline can move from one slice to the next: a surface at
 * 45° moves one slice spacing; one pixel more for the resampling. Farther than that is another
 * structure the model has run into (the next vertebra, the hip bone under the femoral head).
 */
export function outlineStepPixels(sliceSpacingMm: number, pixelSpacingMm: number): number {
  return Math.ceil(sliceSpacingMm / pixelSpacingMm) + 1;
}

/** The prompted structure's grey values against those just around it, on the prompted slice. */
export interface TissueContrast {
  inside: IntensityProfile;
  around: IntensityProfile;
}

/** Profiles of the mask and of the ring `ringPixels` wide around it; null when either is empty. */
export function tissueContrast(
  image: Float32Array,
  mask: Uint8Array,
  size: number,
  ringPixels: number,
): TissueContrast | null {
  const ring = dilateSquare(mask, size, ringPixels);
  for (let p = 0; p < ring.length; p++) if (mask[p]) ring[p] = 0;
  const inside = intensityProfile(image, mask);
  const around = intensityProfile(image, ring);
  return inside && around ? { inside, around } : null;
}

/**
 * The fraction of a mask whose pixels look like the prompted structure rather than its
 * surroundings (nearer the inside median than the ring's, in units of each one's spread). Where
 * the two profiles overlap this still says which one a pixel is nearer, so a disc between two
 * vertebrae or fat beyond a lesion's end reads as "around" even though bone is bright and varied.
 */
export function structureFit(contrast: TissueContrast, image: Float32Array, mask: Uint8Array): number {
  const { inside, around } = contrast;
  let count = 0;
  let fit = 0;
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    count++;
    // Gaussian log-likelihood ratio: a narrow profile (urine, fat) is not outvoted by a broad one.
    const zIn = (image[p] - inside.median) / inside.spread;
    const zOut = (image[p] - around.median) / around.spread;
    if (-0.5 * zIn * zIn - Math.log(inside.spread) >= -0.5 * zOut * zOut - Math.log(around.spread)) fit++;
  }
  return count ? fit / count : 0;
}

/** The next slice's mask kept within reach of the previous one (see outlineStepPixels). */
export function withinReach(mask: Uint8Array, previous: Uint8Array, size: number, step: number): Uint8Array {
  const reach = dilateSquare(previous, size, step);
  const out = new Uint8Array(mask.length);
  for (let p = 0; p < mask.length; p++) out[p] = mask[p] & reach[p];
  return out;
}
