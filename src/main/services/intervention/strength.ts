// Strength chosen by the image when a command names no size ("grow the liver", "trim the spleen a
// little"). The decoder's logits are linear in the FiLM strength, so the decode gives each band
// voxel the strength at which it changes class (its flip strength): the change at strength α is
// every voxel whose flip strength is ≤ α, a set that only grows with α. The search walks α up in
// steps and stops at the first step whose newly changed voxels no longer look like the
// structure's own (grow: their intensity is outside the structure's range for most of them;
// shrink: most of them look like the structure after all), or at the largest strength the search
// allows. Bounded (MAX_SEARCH_STRENGTH, and the band's reach), monotone (a prefix of one order),
// and explained ("grew up to 9 mm, stopped at the liver's edge").
import { displayName } from '../../../shared/intervention';

/** The search never goes past this many trained FiLM steps (the decoder was trained at ≤ 4). */
export const MAX_SEARCH_STRENGTH = 6;
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

/** The structure's own intensity range: median ± 2.5 robust SDs (1.4826 · MAD) of its voxels. */
export function structureIntensity(
  image: ArrayLike<number>,
  labels: ArrayLike<number>,
  value: number,
): IntensityRange | null {
  const values: number[] = [];
  // A stride keeps a large organ's sample to about 50,000 voxels.
  let count = 0;
  for (let n = 0; n < labels.length; n++) if (labels[n] === value) count++;
  if (count < 10) return null;
  const stride = Math.max(1, Math.floor(count / 50_000));
  let seen = 0;
  for (let n = 0; n < labels.length; n++) {
    if (labels[n] !== value) continue;
    if (seen++ % stride === 0) values.push(image[n]);
  }
  values.sort((a, b) => a - b);
  const median = values[Math.floor(values.length / 2)];
  const deviations = values.map((v) => Math.abs(v - median)).sort((a, b) => a - b);
  // A flat structure (a synthetic mask, a saturated region) still gets a range of one grey level.
  const sd = Math.max(1.4826 * deviations[Math.floor(deviations.length / 2)], 1e-3 * Math.abs(median), 0.5);
  return { lo: median - INTENSITY_SDS * sd, hi: median + INTENSITY_SDS * sd };
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
): StrengthChoice {
  const n = flip.length;
  const order = Array.from({ length: n }, (_, c) => c)
    .filter((c) => flip[c] <= MAX_SEARCH_STRENGTH)
    .sort((a, b) => flip[a] - flip[b]);
  const looksLike = (c: number) => intensity[c] >= range.lo && intensity[c] <= range.hi;
  const shown = displayName(name);
  let accepted = 0;
  let strength = 0;
  let stop = `the model would not ${action === 'grow' ? 'add' : 'take away'} more below strength ${MAX_SEARCH_STRENGTH}`;
  let at = 0;
  for (
    let alpha = STRENGTH_STEP;
    at < order.length && alpha <= MAX_SEARCH_STRENGTH + 1e-9;
    alpha += STRENGTH_STEP
  ) {
    let end = at;
    while (end < order.length && flip[order[end]] <= alpha) end++;
    if (end - at < MIN_STEP_VOXELS && end < order.length && alpha + STRENGTH_STEP <= MAX_SEARCH_STRENGTH)
      continue;
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
  const changes = new Uint8Array(n);
  let reachedMm = 0;
  for (let c = 0; c < accepted; c++) {
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
