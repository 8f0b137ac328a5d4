// `causal-sam correct`: a typed correction applied to a label map from the command line, through
// the same interpreter, executor, decoder worker and audit log as the chat panel.
import { parseArgs } from 'node:util';
import { axialAxis } from '../../shared/intervention';
import { segmentVoxelCounts } from '../../shared/segmentVolumes';
import { buildViewContext } from '../../shared/viewContext';
import { sameGrid, type Vec3 } from '../../shared/volume';
import { appRoot } from '../appPaths';
import { UsageError, cliCommand } from './command';
import { readLabelFile, writeSegmentation } from '../services/imaging/index';
import {
  InterventionAuditLog,
  InterventionInterpreter,
  InterventionService,
  installedLlmManifest,
} from '../services/intervention/index';
import { SegmentationRefusedError, SegmentationService, modelsDirs } from '../services/segmentation/index';
import { defaultDataDir } from '../services/workspace/index';
import { modalityFor, openOne } from './segment';

export const correctUsage = `usage:
  causal-sam correct <image> --mask <labels.nii.gz> --command "<text>" [--slice k] --out <labels2.nii.gz> [--json]
        applies a typed correction ("shrink the liver by 3 mm on these slices") to a label map on the
        image's grid (as \`causal-sam segment\` writes it)
options:
  --slice <k>              the axial slice you are looking at (0-based, along the axis closest to
                           superior-inferior): what "these slices" mean (default: the cursor's
                           slice, else the middle)
  --cursor <i,j,k>         the voxel under the cursor, for "here" (on --slice when both are given)
  --model <id>             the segmentation model whose decoder makes the correction
  --models-dir <dir>       shipped models folder (default: CAUSAL_SAM_MODELS_DIR, else models/)
  --modality <CT|MR>       what the image is, where the file does not say
  --json                   print the interpretation, the method and the voxels changed per label
exit status: 0 applied (or nothing needed changing), 3 the command needs clarifying or was refused
(nothing written), 1 refused input, 2 usage
`;

function cursorOf(text: string | undefined): Vec3 | undefined {
  if (text === undefined) return undefined;
  const v = text.split(',').map(Number);
  if (v.length !== 3 || v.some((x) => !Number.isInteger(x) || x < 0))
    throw new UsageError(`--cursor takes three voxel indices i,j,k, not "${text}"`);
  return v as Vec3;
}

async function correct(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      mask: { type: 'string' },
      command: { type: 'string' },
      slice: { type: 'string' },
      cursor: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string' },
      'models-dir': { type: 'string' },
      modality: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(correctUsage);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('correct takes exactly one image');
  if (!values.mask) throw new UsageError('correct needs --mask <labels.nii.gz>');
  if (!values.command?.trim()) throw new UsageError('correct needs --command "<text>"');
  if (!values.out) throw new UsageError('correct needs --out <labels.nii.gz>');
  const t0 = performance.now();
  const [series, labels] = await Promise.all([openOne(positionals[0]), readLabelFile(values.mask)]);
  const modality = modalityFor(series, values.modality);
  const seg = labels.segmentation;
  const { volume } = series;
  if (!sameGrid(seg, volume)) {
    throw new SegmentationRefusedError(
      `${values.mask}: is not on the grid of ${positionals[0]} (${seg.dims.join(' × ')} vs ${volume.dims.join(' × ')}); segment the image first or resample the mask`,
    );
  }
  // What the app's chat panel would tell the interpreter with this slice (and cursor) on screen.
  const axis = axialAxis(volume.axesLps);
  const cursor = cursorOf(values.cursor);
  const sliceCount = volume.dims[axis];
  const slice =
    values.slice !== undefined ? Number(values.slice) : (cursor?.[axis] ?? Math.floor(sliceCount / 2));
  if (!Number.isInteger(slice) || slice < 0 || slice >= sliceCount)
    throw new UsageError(`--slice takes an index from 0 to ${sliceCount - 1}, not "${values.slice}"`);
  if (cursor && cursor[axis] !== slice)
    throw new UsageError(`--cursor ${values.cursor} is not on --slice ${slice}; give one or make them agree`);
  const counts = segmentVoxelCounts(seg);
  const onSlice = volume.dims.map((n) => Math.floor(n / 2)) as Vec3;
  onSlice[axis] = slice;
  const view = buildViewContext({
    dims: volume.dims,
    axesLps: volume.axesLps,
    cursor: cursor ?? onSlice,
    cursorPlaced: cursor !== undefined,
    segments: seg.segments.map((s) => ({ name: s.name, voxels: counts.get(s.value) ?? 0 })),
  });

  const dataDir = defaultDataDir();
  const dirs = modelsDirs(appRoot, dataDir);
  if (values['models-dir']) dirs[0] = values['models-dir'];
  // A command line waits for the LLM to load rather than answering with the rules meanwhile.
  const interpreter = new InterventionInterpreter({
    llmManifestPath: await installedLlmManifest(dirs),
    waitForLoad: true,
  });
  const interventions = new InterventionService(interpreter, new InterventionAuditLog(dataDir));
  const service = new SegmentationService(dirs, dataDir);
  try {
    const correction = await interventions.correct(
      series.path,
      seg,
      values.command,
      view,
      () => service.decoderFor(volume, series.path, { modelId: values.model, modality }),
      // The LLM is freed before the decoder loads.
      () => interpreter.unload(),
    );
    if (!correction.applied) {
      const { interpretation } = correction;
      const text = interpretation.kind === 'clarify' ? interpretation.question : interpretation.reason;
      if (values.json) console.log(JSON.stringify({ ...interpretation }));
      else console.error(`${interpretation.kind === 'clarify' ? 'question' : 'refused'}: ${text}`);
      return 3;
    }
    const { interpretation, result } = correction;
    const said = {
      interpreter: interpretation.interpreter,
      ...(interpretation.fallbackReason ? { fallbackReason: interpretation.fallbackReason } : {}),
      elapsedMs: interpretation.elapsedMs,
    };
    if (result.edit) {
      const layer = seg.layers[result.edit.layer];
      result.edit.indices.forEach((n, c) => (layer[n] = result.edit!.after[c]));
    }
    await writeSegmentation(values.out, 'nifti', seg, series);
    const { edit: _edit, ...report } = result;
    const timingsMs = { ...result.timingsMs, wallMs: Math.round(performance.now() - t0) };
    if (values.json) {
      console.log(
        JSON.stringify({
          ...report,
          interpretation: { ...said, intervention: interpretation.intervention },
          timingsMs,
        }),
      );
    } else {
      console.log(
        `${result.summary}  (${said.interpreter}${said.fallbackReason ? `: ${said.fallbackReason}` : ''})`,
      );
      console.log(`  ${result.method}: ${result.voxelsChanged} voxel(s) changed → ${values.out}`);
      for (const c of result.changes) console.log(`  ${c.name.padEnd(32)} +${c.added} −${c.removed}`);
      if (result.note) console.log(`  note: ${result.note}`);
    }
    return 0;
  } finally {
    await service.close();
  }
}

export const correctCommand = cliCommand(correct, correctUsage);
