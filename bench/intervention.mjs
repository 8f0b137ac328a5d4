// `npm run bench -- intervention [--llm-commands 40]`: the correction benchmark.
//
// 1. Interpretation accuracy per interpreter on the command table of
//    services/intervention/benchmarkCommands.ts (built-in: every command; the LLM: the first
//    --llm-commands of them with ../shared/data/gguf/stories260K.gguf, a 1 MB story model that
//    exercises the node-llama-cpp path and knows no radiology — its accuracy is a floor, not a claim).
// 2. A simulated radiologist on the model's own errors (bench/interventionErrors.mjs): the demo
//    model segments the sample CT's held-out slices (z 86–99; the model trained on z 0–85, 100–101,
//    110–111), two style-shifted copies of them (another scanner's grey levels; a softer kernel),
//    and the real MR validation volumes of ../shared/data/ukat-mr-kidneys (kidney ROIs as the
//    reference; validation only — nothing is fitted to them). The largest error per structure
//    (≥ 1 % of it) is described in the phrasings of bench/interventionPhrasings.mjs: a development
//    part the interpreter was tuned against and a held-out part it never was; the targets are
//    read on the held-out part. Each command goes through an interpreter, the executor and the
//    model's decoder (cached embeddings, the study's grey values for an unnamed strength), as in
//    the app. Reported per part and interpreter: commands understood, mean Dice gain per command
//    (of the structure the command corrects; a command not understood gains 0), the share that
//    help, the share that change any voxel outside the region the command names (recounted from
//    the region), and whether a stray-piece command ever touched a main body. CT references are
//    TotalSegmentator model outputs, not manual truth: the Dice there is agreement with them.
// 3. Latency: command to new mask (interpretation + region + decoder re-run + diff) for a 20-slice
//    region with the built-in interpreter, on cached embeddings; LLM interpretation time separately.
import { existsSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root, sourceLoader } from './sources.mjs';
import { writeResults } from './results.mjs';
import {
  commandsFor,
  cropK,
  detailRow,
  largestErrors,
  outsideRegion,
  styleShift,
  understood,
} from './interventionErrors.mjs';

const { values } = parseArgs({
  options: {
    'llm-commands': { type: 'string', default: '40' },
    // `--tuning`: the development phrasings only, built-in only, per phrasing, with a table of every
    // command (voxels it changed rightly/wrongly against the reference, gain, answer); writes no results.
    tuning: { type: 'boolean', default: false },
    // `--case MR`: with --tuning, only the cases whose name contains this.
    case: { type: 'string', default: '' },
  },
});
const server = await sourceLoader();
const load = server.load;
const { loadPaths } = await load('/src/main/services/imaging/load.ts');
const { labelMapToSegmentation } = await load('/src/main/services/imaging/labelMaps.ts');
const { verifyModel } = await load('/src/main/services/models/index.ts');
const { SegmentationEngine } = await load('/src/main/services/segmentation/engine.ts');
const { classTable } = await load('/src/main/services/segmentation/labels.ts');
// The app's decoder (segmentation/index.ts decoderFor) packs gates along the axis the model slices
// the study along; MR slabs are sliced along their acquisition plane, not always the axial one.
const { chooseSliceAxis } = await load('/src/main/services/segmentation/preprocess.ts');
const { compareMasks, distanceTransform } = await load('/src/main/services/metrics/index.ts');
const intervention = await load('/src/main/services/intervention/index.ts');
const { superiorIsIncreasing, axialAxis } = await load('/src/shared/intervention.ts');
const {
  BuiltInInterpreter,
  InterventionInterpreter,
  benchmarkCommands,
  executeIntervention,
  scoreBenchmark,
  NEAR_MM,
} = intervention;
const { connectedComponents } = await load('/src/main/services/intervention/components.ts');
const tools = { connectedComponents, distanceTransform, axialAxis, NEAR_MM };

const pct = (a, b) => (b ? round((100 * a) / b, 1) : 0);
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

// ---- 1. Interpretation accuracy ------------------------------------------------------------
const builtIn = new BuiltInInterpreter();
const builtInScore = await scoreBenchmark((c, ctx) => builtIn.interpret(c, ctx));

const gguf = join(root, '..', 'shared', 'data', 'gguf', 'stories260K.gguf');
let llmScore = null;
let llm = null;
let llmDir = null;
const llmTimes = [];
let llmFallbacks = 0;
let llmFallbackReason;
const timeLimitLatencies = [];
const LIMIT_FIGURE =
  'built-in answer after a 1 ms LLM time limit, LLM busy with another request (median of 5)';
if (existsSync(gguf) && !values.tuning) {
  const dir = (llmDir = mkdtempSync(join(tmpdir(), 'bench-llm-')));
  mkdirSync(join(dir, 'llm', 'stories'), { recursive: true });
  copyFileSync(gguf, join(dir, 'llm', 'stories', 'stories260K.gguf'));
  const manifestPath = join(dir, 'llm', 'stories', 'manifest.json');
  writeFileSync(
    manifestPath,
    JSON.stringify({
      schemaVersion: 1,
      id: 'stories260k',
      name: 'stories260K (plumbing only)',
      file: {
        path: 'stories260K.gguf',
        sha256: createHash('sha256').update(readFileSync(gguf)).digest('hex'),
        bytes: statSync(gguf).size,
      },
      licence: 'MIT',
      contextSize: 2048,
    }),
  );
  llm = new InterventionInterpreter({
    llmManifestPath: manifestPath,
    waitForLoad: true,
    llm: { threads: 1, maxTokens: 48, timeoutMs: 20_000, gpu: false },
  });
  const commands = benchmarkCommands.slice(0, Number(values['llm-commands']));
  llmScore = await scoreBenchmark(askLlm, commands);
  // The time limit holds whatever the LLM is doing: with a long request running, one with a 1 ms
  // limit behind it is answered by the built-in interpreter; time from asking to that answer.
  for (let i = 0; i < 5; i++) {
    const busy = llm.interpret(benchmarkCommands[0].command, benchmarkCommands[0].context, {
      timeoutMs: 20_000,
    });
    const asked = performance.now();
    const answer = await llm.interpret(benchmarkCommands[1].command, benchmarkCommands[1].context, {
      timeoutMs: 1,
    });
    timeLimitLatencies.push(performance.now() - asked);
    if (answer.interpreter !== 'built-in') throw new Error('a 1 ms time limit was answered by the LLM');
    await busy;
  }
}

/** The LLM's own answer; a fallback is the built-in interpreter speaking, so it does not count. */
async function askLlm(command, context) {
  const answer = await llm.interpret(command, context);
  llmTimes.push(answer.elapsedMs);
  if (answer.fallbackReason) {
    llmFallbacks++;
    llmFallbackReason ??= answer.fallbackReason;
  }
  return answer.fallbackReason ? { kind: 'refuse', reason: answer.fallbackReason } : answer;
}

// ---- 2. A simulated radiologist on the model's own errors ---------------------------------
const demoDir = join(process.env.CAUSAL_SAM_MODELS_DIR ?? join(root, 'models'), 'causal-sam-demo');
const manifest = await verifyModel(demoDir);
const engine = await SegmentationEngine.create(demoDir, manifest);
const lut = classTable(manifest).lut;
const classValues = new Set(Array.from(lut).filter((v) => v > 0));
const modelNames = new Map(classTable(manifest).segments.map((s) => [s.name, s.value]));

const ctFull = (await loadPaths([join(root, 'resources/sample/example_ct.nii.gz')])).series[0].volume;
const ctLabels = (await loadPaths([join(root, 'resources/sample/example_ct_labels.nii.gz')])).series[0]
  .volume;
if (axialAxis(ctFull.axesLps) !== 2 || !superiorIsIncreasing(ctFull.axesLps))
  throw new Error('the sample is expected axial, head at high k');
// Held-out slices of the demo model's training split (manifest: train z 0–85, 100–101, 110–111).
const HELD_OUT = [86, 99];
const ctCrop = cropK(ctFull, ...HELD_OUT);
const ctRef = cropK(ctLabels, ...HELD_OUT).voxels;
const cases = [
  { name: 'sample CT, held-out slices', volume: ctCrop, ref: ctRef, names: modelNames },
  {
    name: 'sample CT, other grey levels',
    volume: styleShift(ctCrop, 'contrast'),
    ref: ctRef,
    names: modelNames,
  },
  { name: 'sample CT, softer kernel', volume: styleShift(ctCrop, 'smooth'), ref: ctRef, names: modelNames },
];
const ukat = join(root, '..', 'shared', 'data', 'ukat-mr-kidneys');
for (const [dirName, stem] of [
  ['philips_01', '01001__B0_map_expiration_volume_2DMS_product_auto_e1'],
  ['siemens_01', '0044_bh_b0map_fa3_default_bh_b0map_fa3_default_e1'],
]) {
  const path = (suffix) => join(ukat, dirName, `${stem}${suffix}.nii.gz`);
  if (!existsSync(path(''))) {
    if (process.env.CI) throw new Error(`missing MR validation volume ${path('')}`);
    console.log(`  (skipped: ${path('')} is not here)`);
    continue;
  }
  const volume = { ...(await loadPaths([path('')])).series[0].volume, modality: 'MR' };
  const [left, right] = [await loadPaths([path('_roi-L')]), await loadPaths([path('_roi-R')])].map(
    (r) => r.series[0].volume.voxels,
  );
  const ref = new Uint16Array(left.length);
  const kidneys = new Map([
    ['kidney_left', modelNames.get('kidney_left')],
    ['kidney_right', modelNames.get('kidney_right')],
  ]);
  left.forEach(
    (v, n) => (ref[n] = v ? kidneys.get('kidney_left') : right[n] ? kidneys.get('kidney_right') : 0),
  );
  cases.push({ name: `MR ${dirName} (kidney ROIs)`, volume, ref, names: kidneys });
}

const asSegmentation = (volume, layer) => ({
  dims: [...volume.dims],
  spacingMm: [...volume.spacingMm],
  originLps: [...volume.originLps],
  axesLps: volume.axesLps.map((a) => [...a]),
  layers: [layer],
  segments: classTable(manifest)
    .segments.filter((s) => layer.includes(s.value))
    .map((s) => ({ ...s })),
});
const diceOf = (labels, ref, value, g) =>
  compareMasks(
    Uint8Array.from(labels, (x) => (x === value ? 1 : 0)),
    Uint8Array.from(ref, (x) => (x === value ? 1 : 0)),
    g,
  ).dice;

const tally = () => ({
  commands: 0,
  understood: 0,
  gains: [],
  helped: 0,
  outside: 0,
  strayMainTouched: 0,
  ms: [],
});
const rows = {
  development: { 'built-in': tally(), llm: tally() },
  heldOut: { 'built-in': tally(), llm: tally() },
};
const perKind = {};
const errorLog = [];
const llmBudget = { left: Number(values['llm-commands']) };
// `--tuning` detail: one row per development command (bench/interventionErrors.mjs detailRow).
const detail = [];
for (const c of cases.filter((x) => !values.tuning || x.name.includes(values.case))) {
  const key = `case:${c.name}`;
  const run = await engine.segmentVolume(c.volume, { volumeKey: key });
  const pred = run.segmentation.layers[0];
  const seg = asSegmentation(c.volume, pred);
  const g = { dims: seg.dims, spacingMm: seg.spacingMm };
  const decoder = {
    classValues,
    sliceAxis: chooseSliceAxis(c.volume),
    decode: (request) => engine.decodeIntervention(c.volume, request, { volumeKey: key }),
    image: c.volume.voxels,
  };
  const axis = axialAxis(seg.axesLps);
  const errors = largestErrors(pred, c.ref, seg, c.names, tools);
  for (const error of errors) {
    errorLog.push({ case: c.name, ...error, cursor: undefined });
    const value = c.names.get(error.target);
    const before = diceOf(pred, c.ref, value, g);
    const context = {
      visibleStructures: seg.segments.map((s) => s.name),
      currentSlice: error.slice,
      sliceCount: seg.dims[axis],
      superiorIsIncreasingK: superiorIsIncreasing(seg.axesLps),
      cursor: error.cursor,
    };
    for (const part of values.tuning ? ['development'] : ['development', 'heldOut']) {
      for (const command of commandsFor(error, part)) {
        for (const who of ['built-in', 'llm']) {
          if (who === 'llm' && (!llm || part !== 'heldOut' || llmBudget.left <= 0)) continue;
          if (who === 'llm') llmBudget.left--;
          const row = rows[part][who];
          row.commands++;
          const t0 = performance.now();
          const answer =
            who === 'llm'
              ? await askLlm(command.text, context)
              : await builtIn.interpret(command.text, context);
          const ok = understood(answer, command.expected);
          const kindRow = (perKind[
            `${part} ${who} ${error.kind}${values.tuning ? ` / ${command.phrasing} (${c.name})` : ''}`
          ] ??= {
            commands: 0,
            understood: 0,
            gain: 0,
          });
          kindRow.commands++;
          if (!ok) {
            row.gains.push(0);
            continue;
          }
          row.understood++;
          kindRow.understood++;
          let result;
          try {
            result = await executeIntervention(seg, answer.intervention, decoder);
          } catch (refusal) {
            // A refusal with a reason (the piece at the cursor is the main body…) changes nothing.
            if (values.tuning)
              detail.push(
                detailRow(c, error, command.text, { note: `refused: ${refusal.message}` }, value, 0),
              );
            row.gains.push(0);
            continue;
          }
          row.ms.push(performance.now() - t0);
          const after = pred.slice();
          result.edit?.indices.forEach((n, i) => (after[n] = result.edit.after[i]));
          const gain = diceOf(after, c.ref, value, g) - before;
          if (values.tuning) detail.push(detailRow(c, error, command.text, result, value, gain));
          row.gains.push(gain);
          kindRow.gain += gain;
          if (gain > 0) row.helped++;
          if (outsideRegion(seg, answer.intervention, result.edit, tools) > 0) row.outside++;
          if (answer.intervention.region.component && result.edit) {
            const pieces = connectedComponents(
              Uint8Array.from(pred, (v) =>
                v === (answer.intervention.from ? c.names.get(answer.intervention.from) : value) ? 1 : 0,
              ),
              seg.dims,
            );
            const touched = Array.from(result.edit.indices).some((n) => pieces.ids[n] === pieces.main);
            if (touched && answer.intervention.region.component === 'stray') row.strayMainTouched++;
          }
        }
      }
    }
  }
  engine.forget(key);
}
if (llm) {
  await llm.unload();
  rmSync(llmDir, { recursive: true, force: true });
}

if (values.tuning) {
  console.log('case | error | command | changed right/wrong | gain | note');
  for (const line of detail) console.log(line);
  for (const [key, row] of Object.entries(perKind))
    console.log(
      `${key}: ${row.understood}/${row.commands} understood, mean gain ${round(row.gain / row.commands, 4)}`,
    );
  const r = rows.development['built-in'];
  console.log(`development: gain ${round(mean(r.gains), 4)}, help ${r.helped}/${r.commands}`);
  await engine.release();
  await server.close();
  process.exit(0);
}

// ---- 3. Latency for a 20-slice region ------------------------------------------------------
// The whole sample CT, segmented first (embeddings cached, as in the app); no size named, so the
// decoder runs and the image chooses the strength.
const truth = labelMapToSegmentation(ctLabels);
const dims = truth.dims;
await engine.segmentVolume(ctFull, { volumeKey: 'sample' });
const decoder = {
  classValues,
  decode: (request) => engine.decodeIntervention(ctFull, request, { volumeKey: 'sample' }),
  image: ctFull.voxels,
};
const latency = [];
let lastTimings = {};
const latencyContext = {
  visibleStructures: truth.segments.map((x) => x.name),
  currentSlice: 90,
  sliceCount: dims[2],
  superiorIsIncreasingK: true,
};
for (let run = 0; run < 7; run++) {
  const t0 = performance.now();
  const answer = await builtIn.interpret('grow the liver between slices 81 and 100', latencyContext);
  if (answer.kind !== 'intervention')
    throw new Error(`latency command not understood: ${JSON.stringify(answer)}`);
  const result = await executeIntervention(truth, answer.intervention, decoder);
  if (result.timingsMs.slices !== 20)
    throw new Error(`expected the decoder on 20 slices, got ${JSON.stringify(result.timingsMs)}`);
  latency.push(performance.now() - t0);
  lastTimings = { interpretMs: answer.elapsedMs, ...result.timingsMs };
}
await engine.release();
await server.close();

// ---- Results -------------------------------------------------------------------------------
const figures = {
  'interpretation accuracy, built-in (command table)': {
    value: round((100 * builtInScore.correct) / builtInScore.total, 1),
    unit: `% of ${builtInScore.total}`,
  },
};
for (const [type, { correct, total }] of Object.entries(builtInScore.perErrorType)) {
  figures[`interpretation accuracy, built-in: ${type}`] = { value: `${correct}/${total}`, unit: 'commands' };
}
if (llmScore) {
  figures['interpretation accuracy, LLM stories260K (plumbing model, no radiology)'] = {
    value: round((100 * llmScore.correct) / llmScore.total, 1),
    unit: `% of ${llmScore.total} (${llmFallbacks} fell back to the built-in interpreter${llmFallbackReason ? `, e.g. "${llmFallbackReason}"` : ''})`,
  };
  figures['LLM interpretation time per command, fallback included (stories260K, 1 thread, median)'] = {
    value: Math.round(median(llmTimes)),
    unit: 'ms',
  };
  figures[LIMIT_FIGURE] = { value: round(median(timeLimitLatencies), 1), unit: 'ms' };
}
figures['model errors described (largest per structure, ≥ 1 % of it)'] = {
  value: errorLog.length,
  unit: errorLog.map((e) => `${e.case}: ${e.target} ${e.kind} ${(100 * e.share).toFixed(1)} %`).join('; '),
};
for (const part of ['heldOut', 'development']) {
  for (const who of ['built-in', 'llm']) {
    const row = rows[part][who];
    if (!row.commands) continue;
    const label = `${part === 'heldOut' ? 'held-out' : 'development'} phrasings, ${who === 'llm' ? 'LLM stories260K' : 'built-in'}`;
    figures[`${label}: commands understood`] = {
      value: pct(row.understood, row.commands),
      unit: `% of ${row.commands}`,
    };
    figures[`${label}: mean Dice gain per command`] = { value: round(mean(row.gains), 4), unit: 'Dice' };
    figures[`${label}: commands that help`] = {
      value: pct(row.helped, row.commands),
      unit: `% of ${row.commands}`,
    };
    figures[`${label}: commands that change nothing outside their region`] = {
      value: pct(row.understood - row.outside, row.understood),
      unit: `% of ${row.understood} applied`,
    };
    figures[`${label}: stray-piece commands that touched a main body`] = {
      value: row.strayMainTouched,
      unit: 'commands',
    };
    if (row.ms.length)
      figures[`${label}: command to new mask (median)`] = { value: Math.round(median(row.ms)), unit: 'ms' };
  }
}
for (const [key, row] of Object.entries(perKind)) {
  if (key.startsWith('heldOut')) continue; // held-out detail stays out of sight while tuning
  figures[`per kind, ${key}`] = {
    value: `${row.understood}/${row.commands} understood, mean gain ${round(row.gain / row.commands, 4)}`,
    unit: '',
  };
}
figures['command to new mask, 20-slice region, built-in (median of 7)'] = {
  value: Math.round(median(latency)),
  unit: 'ms',
};
figures['command to new mask, stages of the last run'] = {
  value: Object.entries(lastTimings)
    .map(([k, v]) => `${k} ${v}`)
    .join(', '),
  unit: 'ms',
};
const held = 'held-out phrasings, built-in';
writeResults('intervention', figures, {
  [LIMIT_FIGURE]: { target: 50, unit: 'ms', better: 'lower' },
  [`${held}: commands understood`]: { target: 90, unit: '%', better: 'higher' },
  [`${held}: mean Dice gain per command`]: { target: 0.05, unit: 'Dice', better: 'higher' },
  [`${held}: commands that help`]: { target: 80, unit: '%', better: 'higher' },
  [`${held}: commands that change nothing outside their region`]: { target: 90, unit: '%', better: 'higher' },
  [`${held}: stray-piece commands that touched a main body`]: {
    target: 0,
    unit: 'commands',
    better: 'lower',
  },
  'command to new mask, 20-slice region, built-in (median of 7)': {
    target: 300,
    unit: 'ms',
    better: 'lower',
  },
});
for (const miss of builtInScore.misses)
  console.log(`  built-in miss [${miss.errorType}] "${miss.command}" → ${JSON.stringify(miss.answer)}`);
