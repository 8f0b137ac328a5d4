// `causal-sam segment` and `causal-sam metrics`: the segmentation and metrics services from the
// command line, through the same worker, readers and writers as the app.
import { parseArgs } from 'node:util';
import { sameGrid, type Segmentation, type Vec3 } from '../../shared/volume';
import { appRoot } from '../appPaths';
import { UsageError, cliCommand } from './command';
import {
  BadInputError,
  modalityRefusal,
  oneSeriesOf,
  openPathsWhole,
  parseModality,
  readLabelFile,
  segmentationFormatFor,
  resampleSegmentation,
  writeSegmentation,
  type LoadedSeries,
} from '../services/imaging/index';
import { compareMasks, volumeMl } from '../services/metrics/index';
import {
  SegmentationCancelledError,
  SegmentationRefusedError,
  SegmentationService,
  saveVolumeReport,
  modelsDirs,
  structureVolumes,
  type Prompt,
  type SegmentResult,
} from '../services/segmentation/index';
import { defaultDataDir } from '../services/workspace/index';

export const segmentUsage = `usage:
  causal-sam segment <input> --out <labels.nii.gz | seg.dcm> [--model <id>] [--json]
        automatic multi-organ segmentation; the label map has the input's geometry and catalogue ids;
        --out ending in .dcm writes a DICOM SEG referencing the input DICOM series
  causal-sam segment <input> (--box i0,j0,i1,j1 | --points i,j,+[;i,j,-...]) --slice k [--propagate]
        [--name lesion] --out <mask.nii.gz>
        promptable segmentation in the input's voxel indices: i, j along the two in-plane axes
        (ascending volume axes), k along the axis closest to superior-inferior
options:
  --models-dir <dir>       shipped models folder (default: CAUSAL_SAM_MODELS_DIR, else models/)
  --report-csv <file>      per structure: voxels, volume (mL), bounding box (mm, LPS), model
  --report-json <file>     the same as JSON
  --max-memory-mb <n>      refuse a run estimated to need more (default: 80 % of free memory)
  --modality <CT|MR>       what the image is, where the file does not say (normalisation follows it;
                           needed when the file does not say and its intensities are not HU)
  --json                   print {"model", "provider", "labels": [...], "timingsMs": {...}, "warnings",
                           "ood"}; ood (models with out-of-distribution statistics): the study's
                           score and each structure's (1 or more: do not trust; see README)

  causal-sam metrics --pred <labels> --ref <labels> [--json]
        per label name: Dice, HD95 (mm), ASSD (mm). Labels are matched by name where both files
        carry names (DICOM SEG), by value (catalogue id) otherwise.
`;

const segmentOptions = {
  out: { type: 'string' },
  model: { type: 'string' },
  'models-dir': { type: 'string' },
  box: { type: 'string' },
  points: { type: 'string' },
  slice: { type: 'string' },
  propagate: { type: 'boolean', default: false },
  name: { type: 'string' },
  'report-csv': { type: 'string' },
  'report-json': { type: 'string' },
  'max-memory-mb': { type: 'string' },
  modality: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

function integers(text: string, count: number, what: string): number[] {
  const values = text.split(',').map((v) => Number(v.trim()));
  if (values.length !== count || values.some((v) => !Number.isInteger(v))) {
    throw new UsageError(`${what} takes ${count} integers separated by commas, not "${text}"`);
  }
  return values;
}

function parsePrompt(box?: string, points?: string): Prompt | null {
  if (box && points) throw new UsageError('give --box or --points, not both');
  if (box) {
    const [a0, b0, a1, b1] = integers(box, 4, '--box');
    return { kind: 'box', from: { a: a0, b: b0 }, to: { a: a1, b: b1 } };
  }
  if (points) {
    return {
      kind: 'points',
      points: points.split(';').map((p) => {
        const m = /^\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*([+-])\s*$/.exec(p);
        if (!m) throw new UsageError(`--points takes "i,j,+" or "i,j,-" separated by ";", not "${p}"`);
        return { a: Number(m[1]), b: Number(m[2]), positive: m[3] === '+' };
      }),
    };
  }
  return null;
}

export async function openOne(path: string): Promise<LoadedSeries> {
  try {
    return oneSeriesOf(path, await openPathsWhole([path]));
  } catch (error) {
    if (error instanceof BadInputError) throw new SegmentationRefusedError(error.message);
    throw error;
  }
}

/** The --modality the model needs: given, or refused with how to give it. */
export function modalityFor(series: LoadedSeries, given: string | undefined): string | undefined {
  const { modality, problem } = parseModality(given);
  if (problem) throw new UsageError(problem);
  const refusal = modalityRefusal(series, modality);
  if (refusal) throw new SegmentationRefusedError(refusal);
  return modality;
}

function labelsOf(segmentation: Segmentation) {
  return structureVolumes(segmentation).map((s) => ({
    id: s.value,
    name: s.name,
    voxels: s.voxels,
    volumeMl: +s.volumeMl.toFixed(3),
  }));
}

async function segment(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: segmentOptions });
  if (values.help) {
    console.log(segmentUsage);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError('segment takes exactly one input (a file or a DICOM series folder)');
  if (!values.out) throw new UsageError('segment needs --out <file.nii.gz>');
  const prompt = parsePrompt(values.box, values.points);
  if (prompt && values.slice === undefined) throw new UsageError('a prompt needs --slice k');
  if (!prompt && (values.slice !== undefined || values.propagate)) {
    throw new UsageError('--slice and --propagate go with --box or --points');
  }
  const maxMemoryBytes =
    values['max-memory-mb'] !== undefined ? Number(values['max-memory-mb']) * 1024 ** 2 : undefined;
  if (maxMemoryBytes !== undefined && !(maxMemoryBytes > 0))
    throw new UsageError('--max-memory-mb takes a positive number');

  const dataDir = defaultDataDir();
  const dirs = modelsDirs(appRoot, dataDir);
  if (values['models-dir']) dirs[0] = values['models-dir'];
  const service = new SegmentationService(dirs, dataDir);
  const t0 = performance.now();
  const series = await openOne(positionals[0]);
  const loadMs = performance.now() - t0;
  const modality = modalityFor(series, values.modality);
  const output = segmentationFormatFor(values.out, series);
  if (output.problem) throw new SegmentationRefusedError(output.problem);
  const showProgress = !values.json && process.stderr.isTTY;
  // A terminal gets a live line; a pipe or log gets one line when the model has started working.
  let started = false;
  const onProgress = values.json
    ? undefined
    : (fraction: number, label: string) => {
        if (showProgress)
          process.stderr.write(`\r${(100 * fraction).toFixed(0).padStart(3)} % ${label}\x1b[K`);
        else if (!started) process.stderr.write(`started: ${label}\n`);
        started = true;
      };
  // Ctrl-C cancels the run (the output file is not written) instead of killing the process mid-write.
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  let result: SegmentResult;
  try {
    result = prompt
      ? await service.prompt(series.volume, series.path, Number(values.slice), prompt, {
          modelId: values.model,
          propagate: values.propagate,
          name: values.name,
          maxMemoryBytes,
          modality,
          onProgress,
          signal: controller.signal,
        })
      : await service.segment(series.volume, series.path, {
          modelId: values.model,
          maxMemoryBytes,
          modality,
          onProgress,
          signal: controller.signal,
        });
  } catch (error) {
    if (!(error instanceof SegmentationCancelledError)) throw error;
    // Told at once; the worker then finishes the batch in flight before the process may exit
    // (stopping it mid-run would abort the process).
    if (showProgress) process.stderr.write('\r\x1b[K');
    console.error(`refused: ${error.message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    if (showProgress) process.stderr.write('\r\x1b[K');
    await service.close();
  }
  const { segmentation } = result;
  const labels = labelsOf(segmentation);
  if (output.format === 'dicom-seg' && labels.every((l) => l.voxels === 0)) {
    throw new SegmentationRefusedError(
      `${values.out}: the model found nothing in ${series.path}, and a DICOM SEG needs at least one segment; nothing was written`,
    );
  }
  await writeSegmentation(values.out, output.format, segmentation, series, {
    algorithm: {
      name: result.model.id,
      version: result.model.version,
      type: prompt ? 'SEMIAUTOMATIC' : 'AUTOMATIC',
    },
  });
  await saveVolumeReport(segmentation, result.model, {
    csvPath: values['report-csv'],
    jsonPath: values['report-json'],
  });
  const timingsMs = { loadMs: Math.round(loadMs), ...result.timingsMs };
  if (values.json) {
    console.log(
      JSON.stringify({
        model: result.model,
        provider: result.provider,
        labels,
        timingsMs,
        warnings: result.warnings,
        ...(result.ood ? { ood: result.ood } : {}),
      }),
    );
  } else {
    console.log(
      `${values.out}: ${labels.length} structure(s) by ${result.model.id} ${result.model.version} on ${result.provider}`,
    );
    for (const l of labels)
      console.log(
        `  ${String(l.id).padStart(4)}  ${l.name.padEnd(32)} ${String(l.voxels).padStart(9)} voxels ${l.volumeMl.toFixed(1).padStart(9)} mL`,
      );
    console.log(
      `  ${(timingsMs.totalMs / 1000).toFixed(2)} s (encoder ${(timingsMs.encoderMs / 1000).toFixed(2)} s, decoder ${(timingsMs.decoderMs / 1000).toFixed(2)} s)`,
    );
  }
  if (!values.json) for (const warning of result.warnings) console.error(`warning: ${warning}`);
  if (labels.length === 0) console.error('warning: the model found nothing; the label map is empty');
  return 0;
}

function maskOf(
  segmentation: Segmentation,
  value: number | undefined,
  layerIndex: number | undefined,
): Uint8Array {
  const n = segmentation.dims[0] * segmentation.dims[1] * segmentation.dims[2];
  const mask = new Uint8Array(n);
  if (value === undefined || layerIndex === undefined) return mask;
  const layer = segmentation.layers[layerIndex];
  for (let i = 0; i < n; i++) if (layer[i] === value) mask[i] = 1;
  return mask;
}

async function metrics(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { pred: { type: 'string' }, ref: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (!values.pred || !values.ref) throw new UsageError('metrics needs --pred <labels> and --ref <labels>');
  const [pred, ref] = await Promise.all([readLabelFile(values.pred), readLabelFile(values.ref)]);
  const byName = pred.named && ref.named;
  // Scores are computed on the reference's grid.
  const p = sameGrid(pred.segmentation, ref.segmentation)
    ? pred.segmentation
    : resampleSegmentation(pred.segmentation, ref.segmentation);
  const r = ref.segmentation;
  const keyOf = (s: Segmentation['segments'][number]) => (byName ? s.name : String(s.value));
  const keys = [...new Set([...p.segments.map(keyOf), ...r.segments.map(keyOf)])];
  const spacing = r.spacingMm as Vec3;
  const rows = keys.map((key) => {
    const ps = p.segments.find((s) => keyOf(s) === key);
    const rs = r.segments.find((s) => keyOf(s) === key);
    const c = compareMasks(maskOf(p, ps?.value, ps?.layer), maskOf(r, rs?.value, rs?.layer), r);
    return {
      name: rs?.name ?? ps!.name,
      id: byName ? undefined : Number(key),
      dice: +c.dice.toFixed(4),
      hd95Mm: Number.isFinite(c.hd95Mm) ? +c.hd95Mm.toFixed(2) : null,
      assdMm: Number.isFinite(c.assdMm) ? +c.assdMm.toFixed(2) : null,
      predVoxels: c.predVoxels,
      refVoxels: c.refVoxels,
      predMl: +volumeMl(c.predVoxels, spacing).toFixed(3),
      refMl: +volumeMl(c.refVoxels, spacing).toFixed(3),
    };
  });
  const note =
    'Scores measure agreement with the reference file. If the reference is itself a model output ' +
    '(for example TotalSegmentator labels), they are not accuracy against ground truth.';
  if (values.json) {
    console.log(
      JSON.stringify({
        pred: values.pred,
        ref: values.ref,
        matchedBy: byName ? 'name' : 'id',
        labels: rows,
        note,
      }),
    );
  } else {
    console.log(`pred ${values.pred}\nref  ${values.ref}\nlabels matched by ${byName ? 'name' : 'id'}`);
    console.log(
      `${'label'.padEnd(34)} ${'Dice'.padStart(7)} ${'HD95 mm'.padStart(9)} ${'ASSD mm'.padStart(9)} ${'pred mL'.padStart(9)} ${'ref mL'.padStart(9)}`,
    );
    const f = (v: number | null) => (v === null ? '∞' : v.toFixed(2)).padStart(9);
    for (const row of rows) {
      console.log(
        `${row.name.padEnd(34)} ${row.dice.toFixed(3).padStart(7)} ${f(row.hd95Mm)} ${f(row.assdMm)} ${row.predMl.toFixed(1).padStart(9)} ${row.refMl.toFixed(1).padStart(9)}`,
      );
    }
    console.log(`note: ${note}`);
  }
  return 0;
}

export const segmentCommand = cliCommand(segment, segmentUsage);
export const metricsCommand = cliCommand(metrics, segmentUsage);
