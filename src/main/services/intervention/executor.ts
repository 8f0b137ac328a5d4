// Action half of Test-Time Causal Intervention: an Intervention applied to the segmentation on
// screen. The band (region.ts) says where voxels may change; the segmentation model's decoder,
// re-run on those slices with the target class modulated inside the band, says which of them do.
// The answer is a diff (undo restores the layer exactly), never a new copy of the segmentation.
import type { InterventionApplyResult, LabelEditData } from '../../../shared/api';
import { describeIntervention, displayName, type Intervention } from '../../../shared/intervention';
import type { Segmentation } from '../../../shared/volume';
import type { InterventionDecode, InterventionDecodeResult } from '../segmentation/index';
import { interventionBand, type Band } from './region';
import { neighbourTerritory } from './leak';
import { chooseStrength, intensityContrast, type ImageEvidence, type IntensityContrast } from './strength';

/** The segmentation model as the executor needs it: which classes it has, and its decoder. */
export interface InterventionDecoder {
  /** Label values (catalogue ids) the model segments. */
  classValues: Set<number>;
  /** Volume index the model slices this study along (absent: the band's, closest to S-I). */
  sliceAxis?: number;
  decode(request: InterventionDecode): Promise<InterventionDecodeResult>;
  /** The study's grey values on the segmentation's grid: lets the image choose an unnamed strength. */
  image?: ArrayLike<number>;
}

/**
 * One packed plane per affected slice along `s` (the axis the model slices the study along: the
 * layout the decoder expects), and where each voxel lies.
 */
function packBand(seg: Segmentation, band: Band, s: number) {
  const { dims } = seg;
  const [lower, upper] = [0, 1, 2].filter((a) => a !== s);
  const planeSize = dims[lower] * dims[upper];
  const coords = (n: number) => {
    const i = n % dims[0];
    const j = Math.floor(n / dims[0]) % dims[1];
    const k = Math.floor(n / (dims[0] * dims[1]));
    return [i, j, k];
  };
  const sliceOf = new Int32Array(band.indices.length);
  const planeOf = new Int32Array(band.indices.length);
  const slices = new Set<number>();
  band.indices.forEach((n, c) => {
    const ijk = coords(n);
    sliceOf[c] = ijk[s];
    planeOf[c] = ijk[lower] + ijk[upper] * dims[lower];
    slices.add(ijk[s]);
  });
  const sorted = [...slices].sort((a, b) => a - b);
  const position = new Map(sorted.map((k, n) => [k, n]));
  const gate = new Uint8Array(sorted.length * planeSize);
  const packed = new Int32Array(band.indices.length);
  for (let c = 0; c < band.indices.length; c++) {
    packed[c] = position.get(sliceOf[c])! * planeSize + planeOf[c];
    gate[packed[c]] = 1;
  }
  return { slices: sorted, gate, packed };
}

function summarise(
  seg: Segmentation,
  layer: number,
  sliceAxis: number,
  indices: number[],
  before: number[],
  after: number[],
): Pick<InterventionApplyResult, 'changes' | 'slices' | 'voxelsChanged'> & { edit: LabelEditData | null } {
  if (!indices.length) return { edit: null, changes: [], slices: null, voxelsChanged: 0 };
  const byValue = new Map<number, { added: number; removed: number }>();
  const entry = (v: number) => {
    let e = byValue.get(v);
    if (!e) byValue.set(v, (e = { added: 0, removed: 0 }));
    return e;
  };
  let from = Infinity;
  let to = -Infinity;
  indices.forEach((n, c) => {
    if (before[c]) entry(before[c]).removed++;
    if (after[c]) entry(after[c]).added++;
    const ijk = [
      n % seg.dims[0],
      Math.floor(n / seg.dims[0]) % seg.dims[1],
      Math.floor(n / (seg.dims[0] * seg.dims[1])),
    ];
    from = Math.min(from, ijk[sliceAxis]);
    to = Math.max(to, ijk[sliceAxis]);
  });
  const names = new Map(seg.segments.filter((x) => x.layer === layer).map((x) => [x.value, x.name]));
  return {
    edit: {
      layer,
      indices: Uint32Array.from(indices),
      before: Uint16Array.from(before),
      after: Uint16Array.from(after),
    },
    changes: [...byValue].map(([value, e]) => ({ name: names.get(value) ?? String(value), value, ...e })),
    slices: { from, to },
    voxelsChanged: indices.length,
  };
}

/**
 * Applies one intervention to `seg` (which is not modified) and answers with the edit. `decoder`
 * is the segmentation model; without one, or when the model has no class for the target, the
 * boundary moves by distance alone and the answer says so.
 */
export async function executeIntervention(
  seg: Segmentation,
  intervention: Intervention,
  decoder: InterventionDecoder | null,
): Promise<InterventionApplyResult> {
  const started = performance.now();
  const summary = describeIntervention(intervention);
  const target = seg.segments.find((s) => s.name === intervention.target);
  const geometric =
    !decoder ||
    (intervention.action !== 'relabel' && target !== undefined && !decoder.classValues.has(target.value));
  const band = interventionBand(seg, intervention, geometric);
  const bandMs = performance.now() - started;
  const labels = seg.layers[band.layer];
  const name = displayName(intervention.target);
  const indices: number[] = [];
  const before: number[] = [];
  const after: number[] = [];
  const change = (n: number, value: number) => {
    indices.push(n);
    before.push(labels[n]);
    after.push(value);
  };
  const finish = (
    method: InterventionApplyResult['method'],
    model: InterventionApplyResult['model'],
    note: string | undefined,
    timings: Record<string, number>,
    // The image's choice already says why nothing changed (strength.ts, leak.ts): keep its words.
    nothingExplained = false,
  ): InterventionApplyResult => {
    const result = summarise(seg, band.layer, band.sliceAxis, indices, before, after);
    let why = note;
    if (!result.edit && band.note) why = `nothing to change: ${band.note}`;
    else if (!result.edit && !nothingExplained) {
      why = band.indices.length
        ? `nothing changed: the model already places the ${name} boundary there${note ? ` (${note})` : ''}; name a larger region or use the brush`
        : `nothing to change: the region holds no ${intervention.action === 'grow' ? `background within reach of the ${name}` : `${name} voxels`}`;
    }
    return {
      ...result,
      summary,
      method,
      note: why,
      model,
      timingsMs: { regionMs: round(bandMs), ...timings, totalMs: round(performance.now() - started) },
    };
  };

  if (intervention.action === 'remove' || intervention.action === 'relabel') {
    // One edit either way: a relabel takes the voxels from one structure and gives them to the other.
    for (const n of band.indices) change(n, band.newValue ?? 0);
    return finish('mask-edit', null, undefined, {});
  }
  if (!band.indices.length) return finish(decoder ? 'film' : 'geometric', null, undefined, {});
  if (!decoder || geometric) {
    for (const n of band.indices) change(n, intervention.action === 'grow' ? band.value : 0);
    const reach = Number.isFinite(band.reachMm) ? `${band.reachMm} mm` : 'the whole region';
    return finish(
      'geometric',
      null,
      `${decoder ? `the model has no ${name} class` : 'no segmentation model is available'}, so the boundary was moved by distance alone (${reach})`,
      {},
    );
  }

  if (band.exact && !intervention.region.near) {
    // A named size is obeyed exactly: the whole boundary in the region moves by that distance
    // (exact Euclidean distance transform) or by that share of the structure, nearest voxels
    // first; the model is not asked.
    for (const n of band.indices) change(n, intervention.action === 'grow' ? band.value : 0);
    const size = intervention.magnitude;
    const by =
      size?.unit === 'mm'
        ? `${size.value} mm`
        : `to change ${size?.unit === 'percent' ? size.value : '?'} % of the ${name}`;
    return finish(
      'geometric',
      null,
      `a named size is obeyed exactly: the boundary moved ${by}, measured with the exact distance transform`,
      {},
    );
  }
  const image = imageEvidenceFor(seg, band, decoder);
  const { slices, gate, packed } = packBand(seg, band, decoder.sliceAxis ?? band.sliceAxis);
  const direction = intervention.action as 'grow' | 'shrink';
  const decoded = await decoder.decode({
    slices,
    classValue: band.value,
    direction,
    strength: band.strength,
    gate,
  });
  const t = performance.now();
  // A leak ("the liver leaks into the stomach") goes back to the neighbour where the image places
  // it (leak.ts); other voxels taken from the target become the neighbour when the decoder sees it
  // there (and it shares the target's layer), otherwise background. Never a third structure: a
  // command about the liver and the stomach changes only those two.
  const near = intervention.region.near
    ? seg.segments.find((s) => s.name === intervention.region.near && s.layer === band.layer)?.value
    : undefined;
  const evidence = image && {
    ...image.evidence,
    flip: Float32Array.from(packed, (p) => decoded.flipStrength[p]),
  };
  const leak =
    near !== undefined && direction === 'shrink' && !band.exact && evidence
      ? neighbourTerritory(
          intervention.target,
          intervention.region.near!,
          decoder.image!,
          seg.layers[band.layer],
          band.value,
          near,
          evidence,
          band.strength,
        )
      : null;
  const chosen =
    leak ??
    (band.exact || !evidence
      ? null
      : chooseStrength(direction, intervention.target, evidence, image!.contrast, band.strength));
  const taken = (label: number) => (near !== undefined && label === near ? near : 0);
  band.indices.forEach((n, c) => {
    const label = decoded.labels[packed[c]];
    if (band.exact) {
      // A leak with a named depth: all of it goes, to the neighbour where the decoder sees it.
      change(n, direction === 'grow' ? band.value : taken(label));
    } else if (leak) {
      if (leak.changes[c]) change(n, near!);
    } else if (
      chosen ? chosen.changes[c] : direction === 'grow' ? label === band.value : label !== band.value
    ) {
      change(n, direction === 'grow' ? band.value : taken(label));
    }
  });
  const notes = [
    chosen?.explanation,
    decoded.method === 'logits'
      ? `the model has no learned ${direction} direction for the ${name} that works here, so its class logits were ${direction === 'grow' ? 'raised' : 'lowered'} inside the region instead`
      : undefined,
  ].filter(Boolean);
  const note = notes.length ? notes.join('; ') : undefined;
  return finish(
    decoded.method,
    decoded.model,
    note,
    { ...decoded.timingsMs, writeMs: round(performance.now() - t), slices: slices.length },
    chosen !== null && !chosen.changes.some(Boolean),
  );
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * What the study's grey values say about the band, and the structure's contrast with its
 * surroundings; null without an image on the segmentation's grid, or when the structure is too
 * small to say.
 */
function imageEvidenceFor(
  seg: Segmentation,
  band: Band,
  decoder: InterventionDecoder | null,
): { evidence: ImageEvidence; contrast: IntensityContrast } | null {
  const image = decoder?.image;
  const labels = seg.layers[band.layer];
  if (!image || image.length !== labels.length || !band.indices.length) return null;
  const contrast = intensityContrast(image, labels, band.value, seg.dims);
  if (!contrast) return null;
  const evidence: ImageEvidence = {
    indices: band.indices,
    intensity: Float32Array.from(band.indices, (n) => image[n]),
    distanceMm: band.distanceMm,
    inStructure: (n: number) => labels[n] === band.value,
    dims: seg.dims,
  };
  return { evidence, contrast };
}
