// Fits and calibrates a model's out-of-distribution score and writes it into the model folder:
//
//   node scripts/calibrate-ood.mjs models/causal-sam-demo      (or: npm run calibrate-ood -- <dir>)
//
// 1. `python -m training.ood_proxies` writes the volumes (the demo CT's training, validation and
//    test slices; held-out style shifts of the validation and test slices; pure noise).
// 2. The app's own engine (TypeScript sources through Vite's SSR loader, the code the app runs)
//    encodes and decodes every slice of each volume.
// 3. The embedding statistics are fitted on the training slices; the distance and entropy
//    thresholds are calibrated on the validation slices (in distribution) against the calibration
//    proxies (three shift types, a noise volume, a brain MR given to the abdominal model).
// 4. The evaluation set, never used for fitting or thresholds (test slices, all five shift types
//    (two of them unseen types), another noise volume, and, for validation only, the real MR
//    kidney volumes of ../shared/data/ukat-mr-kidneys), is scored and reported.
// ood.json goes into the model folder, named in the manifest (files.ood) with its sha256 and size;
// the calibration figures are in it and in training/results/ood_score.json.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { root, sourceLoader } from '../bench/sources.mjs';

const dir = resolve(process.argv[2] ?? join(root, 'models', 'causal-sam-demo'));
const python = process.env.PYTHON ?? '/usr/bin/python3';
const shared = join(root, '..', 'shared', 'data');
const brainMr = join(shared, 'niivue', 'FLAIR.nii.gz');
const ukat = [
  join(
    shared,
    'ukat-mr-kidneys',
    'philips_01',
    '01001__B0_map_expiration_volume_2DMS_product_auto_e1.nii.gz',
  ),
  join(shared, 'ukat-mr-kidneys', 'siemens_01', '0044_bh_b0map_fa3_default_bh_b0map_fa3_default_e1.nii.gz'),
];

const work = mkdtempSync(join(tmpdir(), 'ood-proxies-'));
const made = spawnSync(python, ['-m', 'training.ood_proxies', '--out', work], {
  cwd: root,
  encoding: 'utf8',
});
if (made.status !== 0) {
  console.error(`training.ood_proxies failed: ${made.stderr.trim().split('\n').at(-1)}`);
  process.exit(1);
}
const proxies = JSON.parse(readFileSync(join(work, 'proxies.json'), 'utf8'));

const server = await sourceLoader();
const { SegmentationEngine } = await server.load('/src/main/services/segmentation/engine.ts');
const { verifyModel } = await server.load('/src/main/services/models/index.ts');
const { loadPaths } = await server.load('/src/main/services/imaging/load.ts');
const { sliceFrame, intensityMap } = await server.load('/src/main/services/segmentation/preprocess.ts');
const { argmaxClasses } = await server.load('/src/main/services/segmentation/labels.ts');
const ood = await server.load('/src/main/services/segmentation/ood.ts');
const fit = await server.load('/src/main/services/segmentation/oodFit.ts');

const manifest = await verifyModel(dir);
const engine = await SegmentationEngine.create(dir, manifest);
const S = manifest.preprocessing.inputSize;
const K = manifest.classes.length;
const C = Number(manifest.encoder.outputs[0].shape[1]);

/** Every slice of a volume through the engine: pooled features and the decoder's outputs. */
async function runVolume(path, label) {
  const volume = (await loadPaths([path])).series[0].volume;
  // NIfTI does not record the modality; the MR files are MR (as a user would declare them).
  if (volume.modality === 'OT' && /FLAIR|ukat-mr/.test(path)) volume.modality = 'MR';
  const frame = sliceFrame(volume, manifest);
  const map = intensityMap(volume, manifest);
  const slices = [];
  const all = Array.from({ length: frame.slices }, (_, k) => k);
  for (let start = 0; start < all.length; start += engine.batch) {
    const chunk = all.slice(start, start + engine.batch);
    const embeddings = await engine.embed(volume, frame, map, chunk, { volumeKey: `ood:${label}` });
    const { classLogits } = await engine.decoderOnly(embeddings);
    embeddings.forEach((embedding, b) => {
      slices.push({ embedding, logits: classLogits.slice(b * K * S * S, (b + 1) * K * S * S) });
    });
  }
  engine.forget(`ood:${label}`);
  return slices;
}

/** A volume's study score and structures under the given statistics. */
function score(stats, slices) {
  const acc = new ood.OodAccumulator(stats, K, C);
  const classMap = new Uint8Array(S * S);
  const distances = slices.map((s) => {
    argmaxClasses(s.logits, 0, K, S * S, classMap);
    return acc.addSlice(s.embedding, s.logits, 0, classMap);
  });
  return { distances, study: acc.finish(engine.classes.lut, engine.classes.segments) };
}

console.log(`model ${manifest.id}: fitting on ${proxies.fit}`);
const trainSlices = await runVolume(join(work, proxies.fit), 'train');
const fitted = fit.fitOodStats(trainSlices.map((s) => ood.pooledFeatures(s.embedding, C)));
// Thresholds of 1 while calibrating: the scores are then the raw distances and entropies.
const raw = ood.parseOodStats({
  format: 'causal-sam-ood-1',
  ...fitted,
  thresholds: { distance: 1, entropy: 1 },
});

async function scoreSet(files, extra) {
  const out = {};
  for (const [name, file] of [...Object.entries(files).map(([n, f]) => [n, join(work, f)]), ...extra]) {
    const slices = await runVolume(file, name);
    out[name] = score(raw, slices);
    console.log(`  ${name}: median distance ${out[name].study.distance}`);
  }
  return out;
}
console.log('calibration set');
const calibration = await scoreSet(proxies.calibration, [
  ['brain MR (FLAIR) given to the abdominal model', brainMr],
]);
const isInDistribution = (name) => name.startsWith('in distribution');
const idName = Object.keys(calibration).find(isInDistribution);
const proxyNames = Object.keys(calibration).filter((n) => !isInDistribution(n));
const thresholds = {
  distance: fit.separatingThreshold(
    calibration[idName].distances,
    proxyNames.flatMap((n) => calibration[n].distances),
  ),
  entropy: fit.separatingThreshold(
    calibration[idName].study.structures.map((s) => s.entropy),
    proxyNames.flatMap((n) => calibration[n].study.structures.map((s) => s.entropy)),
  ),
};
console.log(
  `thresholds: distance ${thresholds.distance.toFixed(3)}, entropy ${thresholds.entropy.toFixed(3)}`,
);
const stats = ood.parseOodStats({ format: 'causal-sam-ood-1', ...fitted, thresholds });

console.log('evaluation set (not used to fit or calibrate)');
const evaluation = await scoreSet(
  proxies.evaluation,
  ukat.map((path, n) => [`real MR kidneys (${n === 0 ? 'Philips' : 'Siemens'}), validation only`, path]),
);
await engine.release();
await server.close();
rmSync(work, { recursive: true, force: true });

const round = (x) => Math.round(x * 1000) / 1000;
/** Rescore with the final thresholds: what the app reports for each volume. */
function summary(results) {
  return Object.fromEntries(
    Object.entries(results).map(([name, r]) => {
      const d = r.distances.map((x) => x / thresholds.distance);
      const structures = r.study.structures.map((s) => ({
        name: s.name,
        score: round(Math.max(s.distance / thresholds.distance, s.entropy / thresholds.entropy)),
      }));
      return [
        name,
        {
          slices: d.length,
          studyScore: round(r.study.distance / thresholds.distance),
          studyFlagged: r.study.distance >= thresholds.distance,
          slicesFlagged: d.filter((x) => x >= 1).length,
          structuresReported: structures.length,
          structuresFlagged: structures.filter((s) => s.score >= 1).length,
          structures,
        },
      ];
    }),
  );
}
const calibrationSummary = {
  date: new Date().toISOString(),
  fittedOn: `${proxies.fit}: ${trainSlices.length} training slices of the demo CT`,
  components: fitted.components.length,
  varianceExplained: round(fitted.explained),
  rule:
    'threshold = geometric mean of the in-distribution maximum and the proxies’ lower quartile when they ' +
    'separate by more than 1.25×, else 1.25 × the in-distribution maximum (distance: per slice; entropy: per structure)',
  calibration: summary(calibration),
  evaluation: summary(evaluation),
};
const file = join(dir, 'ood.json');
writeFileSync(
  file,
  JSON.stringify({
    format: 'causal-sam-ood-1',
    description:
      'Out-of-distribution statistics: per-channel mean and standard deviation of the encoder embeddings over ' +
      'the slice grid (2 × channels features per slice); mean and principal components of the training ' +
      'slices’ features; distance = sqrt((Σ projection²/variance + residual²/residual variance) / dim). ' +
      'Written by scripts/calibrate-ood.mjs.',
    dim: stats.dim,
    mean: fitted.mean,
    components: fitted.components,
    variances: fitted.variances,
    residualVariance: fitted.residualVariance,
    thresholds,
    calibration: calibrationSummary,
  }) + '\n',
);
const manifestPath = join(dir, 'manifest.json');
const updated = JSON.parse(readFileSync(manifestPath, 'utf8'));
updated.files.ood = {
  path: 'ood.json',
  sha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
  bytes: statSync(file).size,
};
writeFileSync(manifestPath, JSON.stringify(updated, null, 1) + '\n');
mkdirSync(join(root, 'training', 'results'), { recursive: true });
writeFileSync(
  join(root, 'training', 'results', `ood_score_${manifest.id}.json`),
  JSON.stringify({ model: manifest.id, thresholds, ...calibrationSummary }, null, 1) + '\n',
);
for (const [set, results] of [
  ['calibration', calibrationSummary.calibration],
  ['evaluation', calibrationSummary.evaluation],
]) {
  console.log(`\n${set}: volume | study score | slices flagged | structures flagged`);
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name} | ${r.studyScore}${r.studyFlagged ? ' (flagged)' : ''} | ${r.slicesFlagged}/${r.slices} | ${r.structuresFlagged}/${r.structuresReported}`,
    );
  }
}
