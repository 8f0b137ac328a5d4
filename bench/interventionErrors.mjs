// The simulated radiologist of the correction benchmark (bench/intervention.mjs): the model's own
// errors on a case (its segmentation against the reference), the largest error per structure
// described in the phrasings of bench/interventionPhrasings.mjs, and the recount of voxels a
// correction changed outside the region its command names, and the `--tuning` row of one command.
// Pure functions over label arrays.
import { development, fill, heldOut } from './interventionPhrasings.mjs';

/** Sub-volume of slices k0..k1 (inclusive) along k; the origin moves with it. */
export function cropK(vol, k0, k1, layerKey = 'voxels') {
  const [nx, ny] = vol.dims;
  const plane = nx * ny;
  const src = vol[layerKey];
  const data = src.slice(k0 * plane, (k1 + 1) * plane);
  const originLps = vol.originLps.map((o, c) => o + k0 * vol.spacingMm[2] * vol.axesLps[2][c]);
  return { ...vol, dims: [nx, ny, k1 - k0 + 1], originLps, [layerKey]: data };
}

/** Deterministic Gaussian noise (Box–Muller over a linear congruential generator). */
function noise(seed) {
  let s = seed >>> 0;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/**
 * A copy of a CT as another scanner might give it: 'contrast' (grey values scaled and shifted,
 * noisier) or 'smooth' (a softer kernel: in-plane 3 × 3 blur, then noise).
 */
export function styleShift(vol, kind) {
  const [nx, ny, nz] = vol.dims;
  const src = Float32Array.from(vol.voxels);
  const out = new Float32Array(src.length);
  const gauss = noise(kind === 'contrast' ? 7 : 11);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const n = i + j * nx + k * nx * ny;
        let v = src[n];
        if (kind === 'smooth') {
          let sum = 0;
          let count = 0;
          for (let dj = -1; dj <= 1; dj++)
            for (let di = -1; di <= 1; di++) {
              const ii = i + di;
              const jj = j + dj;
              if (ii < 0 || jj < 0 || ii >= nx || jj >= ny) continue;
              sum += src[ii + jj * nx + k * nx * ny];
              count++;
            }
          v = sum / count + 25 * gauss();
        } else {
          v = 0.85 * v + 30 + 15 * gauss();
        }
        out[n] = v;
      }
  return { ...vol, voxels: out, voxelType: 'float32' };
}

const axialIndex = (n, dims, axis) =>
  axis === 0
    ? n % dims[0]
    : axis === 1
      ? Math.floor(n / dims[0]) % dims[1]
      : Math.floor(n / (dims[0] * dims[1]));

/** LPS z (superior) of voxel n's centre. */
function zOf(n, g) {
  const i = n % g.dims[0];
  const j = Math.floor(n / g.dims[0]) % g.dims[1];
  const k = Math.floor(n / (g.dims[0] * g.dims[1]));
  return g.originLps[2] + [i, j, k].reduce((z, v, a) => z + v * g.spacingMm[a] * g.axesLps[a][2], 0);
}

const ijk = (n, dims) => ({
  i: n % dims[0],
  j: Math.floor(n / dims[0]) % dims[1],
  k: Math.floor(n / (dims[0] * dims[1])),
});

/**
 * The largest error of each structure of `names` (catalogue name → value), at least `minShare` of
 * the structure's reference size: { kind, target, other, size, share, mm, pole, slice, cursor }.
 * Kinds: stray (pieces of the prediction away from the reference), relabel (such a piece that is
 * mostly another structure), leak (extra voxels that are a neighbour), over, under, pole (missed
 * voxels beyond the prediction's end).
 */
export function largestErrors(pred, ref, geometry, names, tools, minShare = 0.01) {
  const { dims, spacingMm } = geometry;
  const { connectedComponents, distanceTransform, axialAxis } = tools;
  const axis = axialAxis(geometry.axesLps);
  const nameOf = new Map([...names].map(([name, value]) => [value, name]));
  const predicted = new Set(pred);
  const errors = [];
  for (const [name, value] of names) {
    const inRef = Uint8Array.from(ref, (v) => (v === value ? 1 : 0));
    const refSize = inRef.reduce((a, v) => a + v, 0);
    const inPred = Uint8Array.from(pred, (v) => (v === value ? 1 : 0));
    const predSize = inPred.reduce((a, v) => a + v, 0);
    if (refSize < 100 || predSize === 0) continue;
    const pieces = connectedComponents(inPred, dims);
    const candidates = [];
    // Pieces away from the reference: stray, or mostly another structure (relabel).
    const pieceVoxels = new Map();
    pred.forEach((v, n) => {
      const id = pieces.ids[n];
      if (id && id !== pieces.main) (pieceVoxels.get(id) ?? pieceVoxels.set(id, []).get(id)).push(n);
    });
    let stray = [];
    const relabels = new Map();
    for (const voxels of pieceVoxels.values()) {
      const overlap = voxels.filter((n) => inRef[n]).length;
      if (overlap / voxels.length >= 0.5) continue;
      const counts = new Map();
      for (const n of voxels)
        if (ref[n] && ref[n] !== value) counts.set(ref[n], (counts.get(ref[n]) ?? 0) + 1);
      const [other, count] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? [0, 0];
      // A relabel needs the other structure on screen to give the voxels to.
      if (other && nameOf.has(other) && predicted.has(other) && count / voxels.length >= 0.5) {
        relabels.set(other, [...(relabels.get(other) ?? []), ...voxels]);
      } else stray = stray.concat(voxels);
    }
    if (stray.length) candidates.push({ kind: 'stray', voxels: stray });
    for (const [other, voxels] of relabels)
      candidates.push({ kind: 'relabel', other: nameOf.get(other), voxels });
    // Extra voxels of the main body: a neighbour's (leak) or background (over).
    const leaks = new Map();
    const over = [];
    const under = [];
    for (let n = 0; n < pred.length; n++) {
      if (inPred[n] && !inRef[n] && pieces.ids[n] === pieces.main) {
        if (ref[n] && nameOf.has(ref[n])) leaks.set(ref[n], [...(leaks.get(ref[n]) ?? []), n]);
        else if (!ref[n]) over.push(n);
      } else if (inRef[n] && !inPred[n] && pred[n] === 0) under.push(n);
    }
    const [leakValue, leakVoxels] = [...leaks].sort((a, b) => b[1].length - a[1].length)[0] ?? [0, []];
    if (leakVoxels.length)
      candidates.push({ kind: 'leak', other: nameOf.get(leakValue), voxels: leakVoxels });
    if (over.length) {
      const fromRef = distanceTransform(inRef, dims, spacingMm);
      candidates.push({ kind: 'over', voxels: over, mm: median(over.map((n) => fromRef[n])) });
    }
    if (under.length) {
      const fromPred = distanceTransform(inPred, dims, spacingMm);
      let top = -Infinity;
      let bottom = Infinity;
      for (let n = 0; n < pred.length; n++) {
        if (!inPred[n]) continue;
        const z = zOf(n, geometry);
        top = Math.max(top, z);
        bottom = Math.min(bottom, z);
      }
      const above = under.filter((n) => zOf(n, geometry) > top + 1e-3).length;
      const below = under.filter((n) => zOf(n, geometry) < bottom - 1e-3).length;
      const pole = above >= 0.5 * under.length ? 'superior' : below >= 0.5 * under.length ? 'inferior' : null;
      candidates.push({
        kind: pole ? 'pole' : 'under',
        pole,
        voxels: under,
        mm: median(under.map((n) => fromPred[n])),
      });
    }
    const largest = candidates.sort((a, b) => b.voxels.length - a.voxels.length)[0];
    if (!largest || largest.voxels.length < minShare * refSize) continue;
    // Where the reader looks: the slice with most of the error, the cursor on its voxel nearest
    // the error's centre on that slice.
    const perSlice = new Map();
    for (const n of largest.voxels) {
      const k = axialIndex(n, dims, axis);
      perSlice.set(k, (perSlice.get(k) ?? 0) + 1);
    }
    const slice = [...perSlice].sort((a, b) => b[1] - a[1])[0][0];
    const onSlice = largest.voxels
      .filter((n) => axialIndex(n, dims, axis) === slice)
      .map((n) => ijk(n, dims));
    const centre = ['i', 'j', 'k'].map((c) => onSlice.reduce((s, p) => s + p[c], 0) / onSlice.length);
    const cursor = onSlice.sort(
      (a, b) =>
        (a.i - centre[0]) ** 2 +
        (a.j - centre[1]) ** 2 +
        (a.k - centre[2]) ** 2 -
        ((b.i - centre[0]) ** 2 + (b.j - centre[1]) ** 2 + (b.k - centre[2]) ** 2),
    )[0];
    errors.push({
      kind: largest.kind,
      target: name,
      other: largest.other,
      size: largest.voxels.length,
      share: largest.voxels.length / refSize,
      mm: largest.mm === undefined ? undefined : Math.max(1, Math.round(largest.mm)),
      pole: largest.pole,
      slice,
      cursor,
    });
  }
  return errors;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

/** The phrasing kinds that describe an error kind: sized variants go with over and under. */
const PHRASINGS_OF = {
  stray: ['stray'],
  relabel: ['relabel'],
  leak: ['leak'],
  over: ['over', 'over_sized'],
  under: ['under', 'under_sized'],
  pole: ['pole'],
};

const display = (name) => {
  const words = name.split('_');
  const side = words.filter((w) => w === 'left' || w === 'right');
  return [...side, ...words.filter((w) => w !== 'left' && w !== 'right')].join(' ');
};

/**
 * The commands the radiologist types about one error, from one part of the phrasings, each with
 * what a correct reading must hold (action, target, and what the error kind implies).
 */
export function commandsFor(error, part) {
  const table = part === 'heldOut' ? heldOut : development;
  const out = [];
  for (const kind of PHRASINGS_OF[error.kind]) {
    for (const template of table[kind]) {
      const slots = {
        X: display(error.target),
        Y: display(error.other ?? ''),
        N: error.mm ?? 3,
        pole: error.pole === 'superior' ? 'upper' : 'lower',
        dir: error.pole === 'superior' ? 'up' : 'down',
        end: error.pole === 'superior' ? 'top' : 'bottom',
      };
      out.push({ text: fill(template, slots), phrasing: kind, expected: expectedFor(error, kind) });
    }
  }
  return out;
}

function expectedFor(error, kind) {
  switch (kind) {
    case 'stray':
      return { action: 'remove', target: error.target, component: true };
    case 'relabel':
      return { action: 'relabel', target: error.other, from: error.target };
    case 'leak':
    case 'over':
      return { action: 'shrink', target: error.target };
    case 'over_sized':
      return { action: 'shrink', target: error.target, mm: error.mm };
    case 'under':
      return { action: 'grow', target: error.target };
    case 'under_sized':
      return { action: 'grow', target: error.target, mm: error.mm };
    case 'pole':
      return { action: 'grow', target: error.target, craniocaudal: error.pole };
  }
  throw new Error(`unknown phrasing kind ${kind}`);
}

/** Whether an interpretation is the correction the radiologist meant. */
export function understood(answer, expected) {
  if (answer.kind !== 'intervention') return false;
  const iv = answer.intervention;
  if (iv.action !== expected.action || iv.target !== expected.target) return false;
  if (expected.from && iv.from !== expected.from) return false;
  if (expected.component && !iv.region.component) return false;
  if (expected.craniocaudal && iv.region.craniocaudal !== expected.craniocaudal) return false;
  if (expected.mm && !(iv.magnitude?.unit === 'mm' && iv.magnitude.value === expected.mm)) return false;
  return true;
}

/**
 * Voxels an edit changed outside the region its intervention names, recounted from the region's
 * own words on the segmentation before the edit: slices, the ball around a point, the junction
 * with a neighbour, the pieces named, and (a pole grown with no size) beyond the current end.
 */
export function outsideRegion(seg, iv, edit, tools) {
  if (!edit) return 0;
  const { dims, spacingMm } = seg;
  const { connectedComponents, distanceTransform, axialAxis, NEAR_MM } = tools;
  const axis = axialAxis(seg.axesLps);
  const labels = seg.layers[edit.layer];
  const valueOf = (name) => seg.segments.find((s) => s.name === name)?.value;
  const subject = valueOf(iv.action === 'relabel' ? iv.from : iv.target);
  const r = iv.region;
  const tests = [];
  if (r.slices)
    tests.push((n) => axialIndex(n, dims, axis) >= r.slices.from && axialIndex(n, dims, axis) <= r.slices.to);
  if (r.point && r.component !== 'pointed') {
    const p = r.point;
    tests.push((n) => {
      const q = ijk(n, dims);
      return (
        Math.hypot((q.i - p.i) * spacingMm[0], (q.j - p.j) * spacingMm[1], (q.k - p.k) * spacingMm[2]) <=
        p.radiusMm + 1e-6
      );
    });
  }
  if (r.near) {
    const d = distanceTransform(
      Uint8Array.from(labels, (v) => (v === valueOf(r.near) ? 1 : 0)),
      dims,
      spacingMm,
    );
    tests.push((n) => d[n] <= NEAR_MM + 1e-6);
  }
  if (r.component) {
    const pieces = connectedComponents(
      Uint8Array.from(labels, (v) => (v === subject ? 1 : 0)),
      dims,
    );
    if (r.component === 'stray') tests.push((n) => pieces.ids[n] !== 0 && pieces.ids[n] !== pieces.main);
    else {
      const ids = new Set(Array.from(edit.indices, (n) => pieces.ids[n]));
      tests.push(() => ids.size === 1 && !ids.has(0));
    }
  }
  if (iv.action === 'grow' && r.craniocaudal && !iv.magnitude) {
    let top = -Infinity;
    let bottom = Infinity;
    labels.forEach((v, n) => {
      if (v !== subject) return;
      const z = zOf(n, seg);
      top = Math.max(top, z);
      bottom = Math.min(bottom, z);
    });
    tests.push((n) => (r.craniocaudal === 'superior' ? zOf(n, seg) > top : zOf(n, seg) < bottom));
  }
  let outside = 0;
  for (const n of edit.indices) if (!tests.every((t) => t(n))) outside++;
  return outside;
}

/**
 * One `--tuning` row for a development command on case `c`: its changed voxels that now agree with
 * the reference (+) and that now disagree (-), its Dice gain and the start of the answer's note.
 */
export function detailRow(c, error, text, result, value, gain) {
  let right = 0;
  let wrong = 0;
  result.edit?.indices.forEach((n, i) => {
    if ((result.edit.after[i] === value) === (c.ref[n] === value)) right++;
    else wrong++;
  });
  return [
    c.name.replace('sample CT, ', ''),
    `${error.target} ${error.kind} ${(100 * error.share).toFixed(0)}%${error.mm ? ` ${error.mm}mm` : ''}`,
    text,
    `+${right}/-${wrong}`,
    gain.toFixed(4),
    (result.note ?? '').slice(0, 90),
  ].join(' | ');
}
