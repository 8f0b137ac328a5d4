// Strength chosen by the image when a command names no size ("grow the liver", "trim the spleen a
// little"). The decoder's logits are linear in the FiLM strength, so the decode gives each band
// voxel the strength at which it changes class (its flip strength): the change at strength α is
// every voxel whose flip strength is ≤ α, a set that only grows with α. The search walks α up in
// steps and stops at the first step whose newly changed voxels no longer look like the
// structure's own (grow: their intensity is outside the structure's range for most of them;
// shrink: most of them look like the structure after all), or at the largest strength the search
// allows. Within the strength reached, a voxel changes only where its own grey value agrees
// (grow adds organ-like voxels, shrink takes away the others). Bounded (the strength the command
// sets, and the band's reach), monotone (more strength never changes fewer voxels), and explained
// ("grew up to 9 mm, stopped at the liver's edge").
import { displayName } from '../../../shared/intervention';

/**
 * The search never goes past this many trained FiLM steps unless the command asks for more
 * ("markedly"): the strength a qualitative word sets is the ceiling, and with no word it is the
 * moderate one (region.ts QUALITATIVE_STRENGTH). The image can only stop it earlier.
 */
export const MAX_SEARCH_STRENGTH = 2;
/** Strength steps of the search. */
export const STRENGTH_STEP = 0.25;
/** A step is accepted while at least this share of its new voxels looks like the structure (grow) or not (shrink). */
export const FIT_SHARE = 0.5;
/** Steps that change fewer voxels than this are judged together with the next one. */
const MIN_STEP_VOXELS = 8;
/** "Looks like the structure": within this many robust standard deviations of its median intensity. */
const INTENSITY_SDS = 2.5;

export interface IntensityRange {
  lo: number;
  hi: number;
}

/**
 * The structure's own intensity range: median ± 2.5 robust SDs (1.4826 · MAD) of its interior
 * voxels (all six face neighbours in it too: the boundary's partial-volume voxels, and a boundary
 * that is wrong, are what the search judges, so they do not set the range), or of all its voxels
 * when it has too few inside.
 */
export function structureIntensity(
  image: ArrayLike<number>,
  labels: ArrayLike<number>,
  value: number,
  dims?: [number, number, number],
): IntensityRange | null {
  const inside = (n: number) => {
    if (!dims) return true;
    const [nx, ny] = dims;
    const plane = nx * ny;
    const i = n % nx;
    const j = Math.floor(n / nx) % ny;
    const k = Math.floor(n / plane);
    if (i === 0 || j === 0 || k === 0 || i === nx - 1 || j === ny - 1 || k === dims[2] - 1) return false;
    return [1, nx, plane].every((step) => labels[n - step] === value && labels[n + step] === value);
  };
  let values = sample(image, labels, value, inside);
  if (values.length < 50) values = sample(image, labels, value, () => true);
  if (values.length < 10) return null;
  values.sort((a, b) => a - b);
  const median = values[Math.floor(values.length / 2)];
  const deviations = values.map((v) => Math.abs(v - median)).sort((a, b) => a - b);
  // A flat structure (a synthetic mask, a saturated region) still gets a range of one grey level.
  const sd = Math.max(1.4826 * deviations[Math.floor(deviations.length / 2)], 1e-3 * Math.abs(median), 0.5);
  return { lo: median - INTENSITY_SDS * sd, hi: median + INTENSITY_SDS * sd };
}

/** Grey values of the structure's voxels that pass `keep`, at most about 50,000 (a stride). */
function sample(
  image: ArrayLike<number>,
  labels: ArrayLike<number>,
  value: number,
  keep: (n: number) => boolean,
): number[] {
  let count = 0;
  for (let n = 0; n < labels.length; n++) if (labels[n] === value) count++;
  const stride = Math.max(1, Math.floor(count / 50_000));
  const values: number[] = [];
  let seen = 0;
  for (let n = 0; n < labels.length; n++) {
    if (labels[n] !== value || seen++ % stride !== 0) continue;
    if (keep(n)) values.push(image[n]);
  }
  return values;
}

export interface StrengthChoice {
  /** Per band voxel: whether it changes. */
  changes: Uint8Array;
  /** The strength the search settled on (0 = none). */
  strength: number;
  /** How far from the old boundary the change reaches (mm). */
  reachedMm: number;
  /** One line for the answer. */
  explanation: string;
}

/**
 * Searches the strength for one band: `flip[c]` is band voxel c's flip strength, `intensity[c]`
 * its grey value, `distanceMm[c]` its distance from the structure's boundary.
 */
export function chooseStrength(
  action: 'grow' | 'shrink',
  name: string,
  flip: Float32Array,
  intensity: ArrayLike<number>,
  distanceMm: Float32Array,
  range: IntensityRange,
  maxStrength = MAX_SEARCH_STRENGTH,
): StrengthChoice {
  const n = flip.length;
  const order = Array.from({ length: n }, (_, c) => c)
    .filter((c) => flip[c] <= maxStrength)
    .sort((a, b) => flip[a] - flip[b]);
  const looksLike = (c: number) => intensity[c] >= range.lo && intensity[c] <= range.hi;
  const shown = displayName(name);
  let accepted = 0;
  let strength = 0;
  let stop = `the model would not ${action === 'grow' ? 'add' : 'take away'} more below strength ${maxStrength}`;
  let at = 0;
  for (let alpha = STRENGTH_STEP; at < order.length && alpha <= maxStrength + 1e-9; alpha += STRENGTH_STEP) {
    let end = at;
    while (end < order.length && flip[order[end]] <= alpha) end++;
    if (end - at < MIN_STEP_VOXELS && end < order.length && alpha + STRENGTH_STEP <= maxStrength) continue;
    if (end === at) continue;
    let fit = 0;
    for (let c = at; c < end; c++) if (looksLike(order[c])) fit++;
    const share = fit / (end - at);
    const good = action === 'grow' ? share >= FIT_SHARE : 1 - share >= FIT_SHARE;
    if (!good) {
      stop =
        action === 'grow'
          ? `stopped at the ${shown}'s edge: the next voxels the model would add do not look like ${shown} (${Math.round(100 * share)} % within its intensity range)`
          : `stopped where the voxels look like ${shown} (${Math.round(100 * share)} % within its intensity range)`;
      break;
    }
    at = end;
    accepted = end;
    strength = alpha;
  }
  // Within the accepted strength a voxel changes only where its own grey value agrees: grow adds
  // what looks like the structure, shrink takes away what does not (still monotone in strength).
  const changes = new Uint8Array(n);
  let reachedMm = 0;
  for (let c = 0; c < accepted; c++) {
    if (looksLike(order[c]) !== (action === 'grow')) continue;
    changes[order[c]] = 1;
    reachedMm = Math.max(reachedMm, distanceMm[order[c]]);
  }
  const verb = action === 'grow' ? 'grew' : 'shrank';
  const explanation =
    accepted === 0
      ? `nothing changed: ${stop}`
      : `${verb} up to ${Math.round(reachedMm)} mm (strength ${strength}, chosen by the image), ${stop}`;
  return { changes, strength, reachedMm, explanation };
}
