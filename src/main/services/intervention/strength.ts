// Strength chosen by the image when a command names no size ("grow the liver", "trim the spleen a
// little"). Two witnesses must agree before a voxel changes:
// - the model: the decoder's logits are linear in the FiLM strength, so the decode gives each band
//   voxel the strength at which it changes class (its flip strength); the model lets a voxel go
//   (or take it) when that strength is within the ceiling the command's words set;
// - the image: the voxel's grey value is nearer the structure's own (the median of its interior)
//   than its surroundings' (the median of the voxels just outside it) for grow, and nearer the
//   surroundings' for shrink: a nearest-median two-class rule with no tuned threshold.
// And the change is one front: a voxel changes only when it touches the old boundary or a voxel
// that changed (a geodesic growth or peel), so the boundary moves as far as the image supports and
// stops at the structure's edge, never jumping over it to look-alike tissue beyond.
// Bounded (the ceiling, and the band's reach), monotone (a higher ceiling never changes fewer
// voxels) and explained ("grew up to 9 mm …, stopped at the liver's edge").
import { displayName } from '../../../shared/intervention';
import type { Vec3 } from '../../../shared/volume';
import { forEachFaceNeighbour, reachableFromBoundary } from './components';

/**
 * The ceiling when the command sets none ("grow the liver"): the moderate strength (region.ts
 * QUALITATIVE_STRENGTH); "a little" lowers it, "markedly" raises it. The image can only stop a
 * change earlier.
 */
export const MAX_SEARCH_STRENGTH = 2;
/** Grey values sampled per side for the medians (a stride over larger structures). */
const SAMPLE_LIMIT = 50_000;
/** Fewer grey values than this say too little about a side for its median to be used. */
const MIN_SAMPLES = 10;

/** The structure's typical grey value against its surroundings'. */
export interface IntensityContrast {
  /** Median grey value of the structure's interior voxels (all six face neighbours in it too). */
  inside: number;
  /** Median grey value of the voxels just outside it (a face neighbour in it). */
  outside: number;
}

/**
 * The structure's interior median (its boundary's partial-volume voxels, and a boundary that is
 * wrong, are what the choice judges, so they do not set it — even a small interior, such as a
 * gallbladder drawn too thin, says more than the boundary; all its voxels only when it has almost
 * no inside) and the median of the voxels that touch it from outside. Null when either side is too
 * small to say.
 */
export function intensityContrast(
  image: ArrayLike<number>,
  labels: ArrayLike<number>,
  value: number,
  dims: Vec3,
): IntensityContrast | null {
  const interior: number[] = [];
  const all: number[] = [];
  const ring = new Set<number>();
  let count = 0;
  for (let n = 0; n < labels.length; n++) if (labels[n] === value) count++;
  const stride = Math.max(1, Math.floor(count / SAMPLE_LIMIT));
  let seen = 0;
  // Face neighbours of the structure voxel at hand: counted when inside, kept when outside.
  let inside = 0;
  const neighbour = (m: number) => {
    if (labels[m] === value) inside++;
    else ring.add(m);
  };
  for (let n = 0; n < labels.length; n++) {
    if (labels[n] !== value) continue;
    const sampled = seen++ % stride === 0;
    if (sampled) all.push(image[n]);
    inside = 0;
    forEachFaceNeighbour(n, dims, neighbour);
    if (inside === 6 && sampled) interior.push(image[n]);
  }
  const own = interior.length >= MIN_SAMPLES ? interior : all;
  if (own.length < MIN_SAMPLES || ring.size < MIN_SAMPLES) return null;
  const ringStride = Math.max(1, Math.floor(ring.size / SAMPLE_LIMIT));
  const around: number[] = [];
  let r = 0;
  for (const m of ring) if (r++ % ringStride === 0) around.push(image[m]);
  return { inside: median(own), outside: median(around) };
}

function median(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.floor(sorted.length / 2)];
}

/** Whether a grey value is nearer the structure's own than its surroundings'. */
export const looksLikeStructure = (value: number, contrast: IntensityContrast): boolean =>
  Math.abs(value - contrast.inside) < Math.abs(value - contrast.outside);

/** What the image says about one band: per band voxel (c), on the segmentation's grid. */
export interface ImageEvidence {
  /** Flat voxel index of each band voxel. */
  indices: ArrayLike<number>;
  /** Its grey value. */
  intensity: ArrayLike<number>;
  /** Its distance (mm) from the structure's boundary. */
  distanceMm: Float32Array;
  /** Whether a voxel (flat index) belongs to the structure before the change. */
  inStructure: (n: number) => boolean;
  /**
   * Where the front starts, outside the band (default: the structure for grow, what lies outside
   * it for shrink); a leak starts from the neighbour it leaked into.
   */
  frontFrom?: (n: number) => boolean;
  dims: Vec3;
}

/** One band as the choice sees it: the image's evidence and the model's. */
export interface BandEvidence extends ImageEvidence {
  /** Per band voxel, its flip strength: the FiLM strength at which the model changes its class. */
  flip: Float32Array;
}

export interface StrengthChoice {
  /** Per band voxel: whether it changes. */
  changes: Uint8Array;
  /** The largest flip strength among the voxels that change (0 = none). */
  strength: number;
  /** How far from the old boundary the change reaches (mm). */
  reachedMm: number;
  /** One line for the answer. */
  explanation: string;
}

/** Chooses which band voxels change for an unnamed grow or shrink of the structure `name`. */
export function chooseStrength(
  action: 'grow' | 'shrink',
  name: string,
  band: BandEvidence,
  contrast: IntensityContrast,
  maxStrength = MAX_SEARCH_STRENGTH,
): StrengthChoice {
  const { flip, intensity, distanceMm, indices } = band;
  const growing = action === 'grow';
  const agrees = Uint8Array.from({ length: flip.length }, (_, c) =>
    flip[c] <= maxStrength && looksLikeStructure(intensity[c], contrast) === growing ? 1 : 0,
  );
  // The front starts at the old boundary: for grow, next to the structure; for shrink, next to
  // what lies outside it.
  const touchesStart = band.frontFrom ?? ((n: number) => band.inStructure(n) === growing);
  const changes = reachableFromBoundary(indices, agrees, band.dims, touchesStart);
  let strength = 0;
  let reachedMm = 0;
  let changed = 0;
  let modelWould = 0;
  for (let c = 0; c < changes.length; c++) {
    if (flip[c] <= maxStrength) modelWould++;
    if (!changes[c]) continue;
    changed++;
    strength = Math.max(strength, flip[c]);
    reachedMm = Math.max(reachedMm, distanceMm[c]);
  }
  const shown = displayName(name);
  const grey = `grey values nearer the ${shown}'s own (median ${round(contrast.inside)}) than its surroundings' (${round(contrast.outside)})`;
  const stop =
    changed < modelWould
      ? growing
        ? `stopped at the ${shown}'s edge: beyond it the voxels the model would add do not have ${grey}`
        : `stopped where the voxels have ${grey}`
      : `the model would not ${growing ? 'add' : 'take away'} more below strength ${maxStrength}`;
  const explanation =
    changed === 0
      ? `nothing changed: ${stop}`
      : `${growing ? 'grew' : 'shrank'} up to ${Math.round(reachedMm)} mm (${changed} voxels the model ${growing ? 'adds' : 'lets go'} by strength ${round(strength, 2)}, chosen by the image), ${stop}`;
  return { changes, strength, reachedMm, explanation };
}

const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;
