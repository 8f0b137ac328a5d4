// Where an intervention may change voxels, on the segmentation's own grid: the region it names
// (slices, a ball around a point, a part of the target, where the target meets a neighbour) and,
// inside it, the band of candidates — background within reach of the target for `grow`, target
// voxels within reach of its boundary for `shrink`, every target voxel for `remove`, every voxel of
// the `from` structure for `relabel`; with `component`, only voxels of the pieces it names. Nothing
// outside the band can change, whatever the decoder says; that is the "no voxel outside the
// region" guarantee, by construction.
//
// Work is confined to a box around the target (grown by the reach), so a command on a 512 × 512 ×
// 400 study costs about the size of the organ, not of the study.
import { ServiceError } from '../../../shared/serviceError';
import { HERE_RADIUS_MM, axialAxis, type Intervention, type Magnitude } from '../../../shared/intervention';
import { labelExtent, type Segmentation, type Vec3 } from '../../../shared/volume';
import { distanceTransform } from '../metrics/index';
import { connectedComponents } from './components';

/** How far "near the stomach" reaches from the stomach: the same ball as "here". */
export const NEAR_MM = HERE_RADIUS_MM;

/** Reach (mm) of a qualitative magnitude; "moderate" is also the default when none is said. */
export const QUALITATIVE_REACH_MM = { slight: 3, moderate: 6, marked: 12 } as const;
/**
 * How far a change that names no size may reach at most; the image decides how far it goes within
 * it (strength.ts). "You missed the lower pole" is about a centimetre or two of organ.
 */
export const DEFAULT_GROW_REACH_MM = 15;
export const DEFAULT_SHRINK_REACH_MM = 9;
/** Without a model nothing reads the image: a grow that names no size moves the boundary this far. */
export const GEOMETRIC_GROW_REACH_MM = 10;

/** Decoder strength (multiple of the trained FiLM step) for each qualitative magnitude. */
export const QUALITATIVE_STRENGTH = { slight: 1, moderate: 2, marked: 4 } as const;
/** With a size in mm or percent the band bounds the change; the decoder gets its full strength. */
export const SIZED_STRENGTH = 4;

export class InterventionError extends ServiceError {
  constructor(message: string) {
    super('bad-input', message);
    this.name = 'InterventionError';
  }
}

/** Inclusive-exclusive voxel box. */
interface Box {
  lo: [number, number, number];
  hi: [number, number, number];
}

export interface Band {
  /** Flat voxel indices (i fastest) that may change, ascending. */
  indices: Uint32Array;
  /** Per band voxel: its distance (mm) from the structure's boundary (outside for grow, depth for shrink). */
  distanceMm: Float32Array;
  /** The label layer and value of the structure the band is drawn on (relabel: `from`). */
  layer: number;
  value: number;
  /** relabel: the value the band's voxels become. */
  newValue?: number;
  /** A named size (mm, percent): every band voxel changes exactly; the model does not choose. */
  exact: boolean;
  /** Why the band is empty, when the region's words explain it ("the pancreas is one piece"). */
  note?: string;
  /** The axis the slices of the region step along (closest to S–I). */
  sliceAxis: 0 | 1 | 2;
  /** Voxels of the target in the region before the change (for percent and for the summary). */
  targetVoxelsInRegion: number;
  reachMm: number;
  strength: number;
}

export function strengthOf(magnitude: Magnitude | undefined): number {
  if (!magnitude) return QUALITATIVE_STRENGTH.moderate;
  return magnitude.unit === 'qualitative' ? QUALITATIVE_STRENGTH[magnitude.level] : SIZED_STRENGTH;
}

/**
 * Reach in mm; Infinity where the region alone bounds the change (a leak, a percent, remove) —
 * unless the change is `geometric` (no model decides within the band), where a leak is peeled by
 * the moderate reach rather than cut out whole.
 */
export function reachOf(intervention: Intervention, geometric = false): number {
  const m = intervention.magnitude;
  if (intervention.action === 'remove' || intervention.action === 'relabel' || m?.unit === 'percent')
    return Infinity;
  if (m?.unit === 'mm') return m.value;
  if (m?.unit === 'qualitative') return QUALITATIVE_REACH_MM[m.level];
  if (intervention.action === 'grow') return geometric ? GEOMETRIC_GROW_REACH_MM : DEFAULT_GROW_REACH_MM;
  if (geometric) return QUALITATIVE_REACH_MM.moderate;
  // A leak ("near the stomach") is as deep as it is; the junction region bounds it.
  return intervention.region.near ? Infinity : DEFAULT_SHRINK_REACH_MM;
}

/** A named size (mm or percent) is obeyed exactly: the band is the change. */
export const isExact = (intervention: Intervention): boolean =>
  intervention.magnitude?.unit === 'mm' || intervention.magnitude?.unit === 'percent';

const strides = (dims: Vec3): Vec3 => [1, dims[0], dims[0] * dims[1]];

function boundingBox(labels: ArrayLike<number>, value: number, dims: Vec3): Box | null {
  const extent = labelExtent(labels, value, dims);
  if (!extent) return null;
  const { lo, hi } = extent;
  return { lo: [lo[0], lo[1], lo[2]], hi: [hi[0] + 1, hi[1] + 1, hi[2] + 1] };
}

function grow(box: Box, mm: number, spacing: Vec3, dims: Vec3): Box {
  const pad = (a: number) => (Number.isFinite(mm) ? Math.ceil(mm / spacing[a]) : dims[a]);
  return {
    lo: [0, 1, 2].map((a) => Math.max(0, box.lo[a] - pad(a))) as Box['lo'],
    hi: [0, 1, 2].map((a) => Math.min(dims[a], box.hi[a] + pad(a))) as Box['hi'],
  };
}

function intersect(a: Box, b: Box): Box {
  return {
    lo: [0, 1, 2].map((n) => Math.max(a.lo[n], b.lo[n])) as Box['lo'],
    hi: [0, 1, 2].map((n) => Math.min(a.hi[n], b.hi[n])) as Box['hi'],
  };
}

const isEmpty = (b: Box) => b.hi[0] <= b.lo[0] || b.hi[1] <= b.lo[1] || b.hi[2] <= b.lo[2];

/** A 0/1 crop of `labels == value` (or of `labels != value` with `invert`) over a box. */
function crop(labels: ArrayLike<number>, value: number, dims: Vec3, box: Box, invert = false): Uint8Array {
  const size = [0, 1, 2].map((a) => box.hi[a] - box.lo[a]);
  const out = new Uint8Array(size[0] * size[1] * size[2]);
  let n = 0;
  for (let k = box.lo[2]; k < box.hi[2]; k++) {
    for (let j = box.lo[1]; j < box.hi[1]; j++) {
      let src = box.lo[0] + j * dims[0] + k * dims[0] * dims[1];
      for (let i = box.lo[0]; i < box.hi[0]; i++, n++, src++) {
        out[n] = (labels[src] === value) !== invert ? 1 : 0;
      }
    }
  }
  return out;
}

/** LPS position of voxel centres along one patient axis (0 x = left, 1 y = posterior, 2 z = superior). */
function lpsComponent(seg: Segmentation, c: number): (i: number, j: number, k: number) => number {
  const { originLps: o, spacingMm: s, axesLps: a } = seg;
  const [di, dj, dk] = [a[0][c] * s[0], a[1][c] * s[1], a[2][c] * s[2]];
  return (i, j, k) => o[c] + i * di + j * dj + k * dk;
}

interface TargetExtent {
  min: Vec3;
  max: Vec3;
  mean: Vec3;
  count: number;
}

function targetExtent(labels: ArrayLike<number>, value: number, seg: Segmentation, box: Box): TargetExtent {
  const at = [0, 1, 2].map((c) => lpsComponent(seg, c));
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  const sum: Vec3 = [0, 0, 0];
  let count = 0;
  const [nx, ny] = seg.dims;
  for (let k = box.lo[2]; k < box.hi[2]; k++) {
    for (let j = box.lo[1]; j < box.hi[1]; j++) {
      for (let i = box.lo[0]; i < box.hi[0]; i++) {
        if (labels[i + j * nx + k * nx * ny] !== value) continue;
        count++;
        for (let c = 0; c < 3; c++) {
          const p = at[c](i, j, k);
          if (p < min[c]) min[c] = p;
          if (p > max[c]) max[c] = p;
          sum[c] += p;
        }
      }
    }
  }
  return { min, max, mean: [sum[0] / count, sum[1] / count, sum[2] / count], count };
}

/**
 * Tests of the region's parts that depend on position alone; all must hold (intersection).
 * Parts of the target: poles are its upper or lower third along S–I and everything beyond (a
 * pole grown with no size named: only beyond, where a missed pole is); sides and front/back are
 * halves about its centre; medial is
 * the part nearer the body's midline than its centre is.
 */
function positionTests(
  intervention: Intervention,
  seg: Segmentation,
  extent: TargetExtent,
): ((i: number, j: number, k: number) => boolean)[] {
  const r = intervention.region;
  const tests: ((i: number, j: number, k: number) => boolean)[] = [];
  const [x, y, z] = [0, 1, 2].map((c) => lpsComponent(seg, c));
  if (r.craniocaudal) {
    const third = (extent.max[2] - extent.min[2]) / 3;
    // "You missed the lower pole" (grow, no size named) means organ missing beyond the current
    // end: only there may the mask grow. Beside the pole the decoder would redraw a boundary the
    // reader did not question (on the sample CT the demo model added ~1,000 voxels of left kidney
    // there, none of them in the reference, and the correction made the kidney worse).
    const beyondOnly = intervention.action === 'grow' && !intervention.magnitude;
    if (r.craniocaudal === 'superior') {
      const from = extent.max[2] - third;
      tests.push(beyondOnly ? (i, j, k) => z(i, j, k) > extent.max[2] : (i, j, k) => z(i, j, k) >= from);
    } else {
      const to = extent.min[2] + third;
      tests.push(beyondOnly ? (i, j, k) => z(i, j, k) < extent.min[2] : (i, j, k) => z(i, j, k) <= to);
    }
  }
  if (r.side) {
    // LPS: x grows towards the patient's left.
    const c = extent.mean[0];
    tests.push(r.side === 'left' ? (i, j, k) => x(i, j, k) >= c : (i, j, k) => x(i, j, k) <= c);
  }
  if (r.anteroposterior) {
    const c = extent.mean[1];
    tests.push(
      r.anteroposterior === 'anterior' ? (i, j, k) => y(i, j, k) <= c : (i, j, k) => y(i, j, k) >= c,
    );
  }
  if (r.mediolateral) {
    const [nx, ny, nz] = seg.dims;
    const midline = x((nx - 1) / 2, (ny - 1) / 2, (nz - 1) / 2);
    const c = Math.abs(extent.mean[0] - midline);
    tests.push(
      r.mediolateral === 'medial'
        ? (i, j, k) => Math.abs(x(i, j, k) - midline) <= c
        : (i, j, k) => Math.abs(x(i, j, k) - midline) >= c,
    );
  }
  // "This piece": the piece at the point is the region, not the ball around it.
  if (r.point && r.component !== 'pointed') {
    const { i: pi, j: pj, k: pk, radiusMm } = r.point;
    const p = [x(pi, pj, pk), y(pi, pj, pk), z(pi, pj, pk)];
    const r2 = radiusMm * radiusMm;
    tests.push((i, j, k) => {
      const d = [x(i, j, k) - p[0], y(i, j, k) - p[1], z(i, j, k) - p[2]];
      return d[0] * d[0] + d[1] * d[1] + d[2] * d[2] <= r2;
    });
  }
  return tests;
}

/** Which pieces of the subject the region keeps, as a test on voxel coordinates; null = all of them. */
function componentTest(
  intervention: Intervention,
  labels: ArrayLike<number>,
  value: number,
  seg: Segmentation,
  box: Box,
): { test: ((i: number, j: number, k: number) => boolean) | null; note?: string } {
  const r = intervention.region;
  if (!r.component) return { test: null };
  const name = intervention.action === 'relabel' ? intervention.from! : intervention.target;
  const size: Vec3 = [box.hi[0] - box.lo[0], box.hi[1] - box.lo[1], box.hi[2] - box.lo[2]];
  const pieces = connectedComponents(crop(labels, value, seg.dims, box), size);
  const local = (i: number, j: number, k: number) =>
    i - box.lo[0] + (j - box.lo[1]) * size[0] + (k - box.lo[2]) * size[0] * size[1];
  if (r.component === 'stray') {
    if (pieces.sizes.length <= 2)
      return { test: () => false, note: `the ${name} is one piece: nothing stray to change` };
    return { test: (i, j, k) => pieces.ids[local(i, j, k)] !== pieces.main };
  }
  // "This piece": the one at the cursor, or the nearest within the cursor's ball.
  const p = r.point!;
  const inBox = (i: number, j: number, k: number) =>
    i >= box.lo[0] && i < box.hi[0] && j >= box.lo[1] && j < box.hi[1] && k >= box.lo[2] && k < box.hi[2];
  let id = inBox(p.i, p.j, p.k) ? pieces.ids[local(p.i, p.j, p.k)] : 0;
  if (!id) {
    const s = seg.spacingMm;
    let best = p.radiusMm * p.radiusMm;
    for (let k = box.lo[2]; k < box.hi[2]; k++)
      for (let j = box.lo[1]; j < box.hi[1]; j++)
        for (let i = box.lo[0]; i < box.hi[0]; i++) {
          const c = pieces.ids[local(i, j, k)];
          if (!c) continue;
          const d = ((i - p.i) * s[0]) ** 2 + ((j - p.j) * s[1]) ** 2 + ((k - p.k) * s[2]) ** 2;
          if (d <= best) [best, id] = [d, c];
        }
  }
  if (!id) throw new InterventionError(`no piece of the ${name} is within ${p.radiusMm} mm of the cursor`);
  if (id === pieces.main && pieces.sizes.length > 2 && intervention.action === 'remove') {
    throw new InterventionError(
      `the piece at the cursor is the main body of the ${name} (${pieces.sizes[id]} voxels), not a stray piece; to delete the whole label say "delete the ${name} label"`,
    );
  }
  if (id === pieces.main && intervention.action !== 'shrink') {
    throw new InterventionError(
      `the piece at the cursor is the whole ${name}; say where on it ("here", or slices) instead of "this piece"`,
    );
  }
  return { test: (i, j, k) => pieces.ids[local(i, j, k)] === id };
}

/** The voxels an intervention may change, or an InterventionError saying why there are none to consider. */
export function interventionBand(seg: Segmentation, intervention: Intervention, geometric = false): Band {
  const target = seg.segments.find((s) => s.name === intervention.target);
  const has = seg.segments.map((s) => s.name).join(', ') || 'nothing';
  if (!target) {
    throw new InterventionError(`the ${intervention.target} is not in this segmentation (it has: ${has})`);
  }
  // The structure the band is drawn on: the target, or for relabel the label being replaced.
  const relabel = intervention.action === 'relabel';
  const subject = relabel ? seg.segments.find((s) => s.name === intervention.from) : target;
  if (!subject)
    throw new InterventionError(
      `the ${intervention.from ?? '(none)'} is not in this segmentation (it has: ${has})`,
    );
  if (relabel && subject.layer !== target.layer) {
    throw new InterventionError(
      `the ${subject.name} and the ${target.name} are on different label layers; relabel by hand with the brush`,
    );
  }
  const labels = seg.layers[subject.layer];
  const { dims, spacingMm } = seg;
  const full: Box = { lo: [0, 0, 0], hi: [dims[0], dims[1], dims[2]] };
  const targetBox = boundingBox(labels, subject.value, dims);
  if (!targetBox) throw new InterventionError(`the ${subject.name} has no voxels to change`);
  const sliceAxis = axialAxis(seg.axesLps);
  const r = intervention.region;
  // Voxel centres nearest the boundary lie a whole spacing from the outside, so a named size below one
  // voxel ("shrink the spleen by 2 mm" on 3 mm voxels) would change nothing: it moves the nearest
  // layer instead, which is within a voxel of what was asked.
  const named = intervention.magnitude?.unit === 'mm';
  const reachMm = named
    ? Math.max(reachOf(intervention, geometric), Math.min(...spacingMm))
    : reachOf(intervention, geometric);
  const strength = strengthOf(intervention.magnitude);
  const exact = isExact(intervention);
  const growing = intervention.action === 'grow';

  let box = growing ? grow(targetBox, reachMm, spacingMm, dims) : targetBox;
  if (r.slices) {
    const lo = [...full.lo] as Box['lo'];
    const hi = [...full.hi] as Box['hi'];
    lo[sliceAxis] = r.slices.from;
    hi[sliceAxis] = r.slices.to + 1;
    box = intersect(box, { lo, hi });
  }
  if (r.point && r.component !== 'pointed') {
    const c = [r.point.i, r.point.j, r.point.k];
    box = intersect(
      box,
      grow({ lo: c as Box['lo'], hi: c.map((v) => v + 1) as Box['hi'] }, r.point.radiusMm, spacingMm, dims),
    );
  }
  let near: { labels: ArrayLike<number>; value: number } | null = null;
  if (r.near) {
    const neighbour = seg.segments.find((s) => s.name === r.near);
    if (!neighbour) throw new InterventionError(`the ${r.near} is not in this segmentation`);
    near = { labels: seg.layers[neighbour.layer], value: neighbour.value };
    const nearBox = boundingBox(near.labels, near.value, dims);
    if (!nearBox) throw new InterventionError(`the ${r.near} has no voxels, so nothing is near it`);
    box = intersect(box, grow(nearBox, NEAR_MM, spacingMm, dims));
  }
  const pieces = componentTest(intervention, labels, subject.value, seg, targetBox);
  const empty = (): Band => ({
    indices: new Uint32Array(0),
    distanceMm: new Float32Array(0),
    layer: subject.layer,
    value: subject.value,
    ...(relabel ? { newValue: target.value } : {}),
    exact,
    sliceAxis,
    targetVoxelsInRegion: 0,
    reachMm,
    strength,
    ...(pieces.note ? { note: pieces.note } : {}),
  });
  if (isEmpty(box) || pieces.note) return empty();

  // Distances are taken over the box grown by how far they matter, so a neighbour or the target's
  // boundary just outside the box still counts.
  const margin =
    Math.max(Number.isFinite(reachMm) ? reachMm : 0, near ? NEAR_MM : 0) + Math.max(...spacingMm);
  const dbox = grow(box, margin, spacingMm, dims);
  const dsize: Vec3 = [dbox.hi[0] - dbox.lo[0], dbox.hi[1] - dbox.lo[1], dbox.hi[2] - dbox.lo[2]];
  const toTarget = growing
    ? distanceTransform(crop(labels, subject.value, dims, dbox), dsize, spacingMm)
    : null;
  // Depth inside the structure: the exact Euclidean distance to the nearest voxel outside it.
  const depth = growing
    ? null
    : distanceTransform(crop(labels, subject.value, dims, dbox, true), dsize, spacingMm);
  const toNear = near ? distanceTransform(crop(near.labels, near.value, dims, dbox), dsize, spacingMm) : null;
  const extent = targetExtent(labels, subject.value, seg, targetBox);
  const tests = positionTests(intervention, seg, extent);
  if (pieces.test) tests.push(pieces.test);

  const st = strides(dims);
  const candidates: number[] = [];
  const distances: number[] = [];
  let targetVoxelsInRegion = 0;
  for (let k = box.lo[2]; k < box.hi[2]; k++) {
    for (let j = box.lo[1]; j < box.hi[1]; j++) {
      for (let i = box.lo[0]; i < box.hi[0]; i++) {
        const n = i * st[0] + j * st[1] + k * st[2];
        const d = i - dbox.lo[0] + (j - dbox.lo[1]) * dsize[0] + (k - dbox.lo[2]) * dsize[0] * dsize[1];
        if (toNear && toNear[d] > NEAR_MM) continue;
        if (!tests.every((test) => test(i, j, k))) continue;
        const isTarget = labels[n] === subject.value;
        if (isTarget) targetVoxelsInRegion++;
        if (growing) {
          // Grow claims background only: another structure is never eaten by a command about this one.
          if (labels[n] !== 0 || toTarget![d] > reachMm) continue;
          candidates.push(n);
          distances.push(toTarget![d]);
        } else if (isTarget) {
          if (depth![d] > reachMm) continue;
          candidates.push(n);
          distances.push(depth![d]);
        }
      }
    }
  }
  let order = candidates.map((_, c) => c);
  const m = intervention.magnitude;
  if (m?.unit === 'percent' && (growing || intervention.action === 'shrink')) {
    // The nearest candidates first: a percent grows (or peels) the boundary evenly.
    const wanted = Math.round((m.value / 100) * (targetVoxelsInRegion || extent.count));
    order.sort((a, b) => distances[a] - distances[b]);
    order = order.slice(0, wanted).sort((a, b) => candidates[a] - candidates[b]);
  }
  return {
    indices: Uint32Array.from(order, (c) => candidates[c]),
    distanceMm: Float32Array.from(order, (c) => distances[c]),
    layer: subject.layer,
    value: subject.value,
    ...(relabel ? { newValue: target.value } : {}),
    exact,
    sliceAxis,
    targetVoxelsInRegion,
    reachMm,
    strength,
  };
}
