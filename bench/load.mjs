// DICOM loading: time to first image and peak memory of `causal-sam info --json` on a synthetic
// 512×512×400 CT series, uncompressed and JPEG 2000. Needs `npm run build`, /usr/bin/python3 with
// pydicom and numpy, gdcmconv (libgdcm-tools) and /usr/bin/time. The series is generated once into
// bench/tmp/load/ (git-ignored) and reused.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareCtSeries, run } from './ctSeries.mjs';
import { writeResults } from './results.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const slices = 400;
const cli = join(root, 'bin/causal-sam.mjs');

/** End-to-end wall time (s) and the child's peak RSS (MiB) of `info --json` on a folder. */
async function measure(dir) {
  const started = performance.now();
  const { stdout, stderr } = await run('/usr/bin/time', [
    '-f',
    'maxrss_kib=%M',
    process.execPath,
    cli,
    'info',
    dir,
    '--json',
  ]);
  const seconds = (performance.now() - started) / 1000;
  const rss = Number(/maxrss_kib=(\d+)/.exec(stderr)?.[1]);
  const info = JSON.parse(stdout.trim().split('\n')[0]);
  if (info.dims.join('x') !== `512x512x${slices}`) throw new Error(`unexpected dims ${info.dims}`);
  return { seconds, rssMib: rss / 1024 };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const { rawDir, j2kDir } = await prepareCtSeries(slices);
const raw = [];
for (let n = 0; n < 3; n++) raw.push(await measure(rawDir));
const j2k = await measure(j2kDir);
const round = (v, digits) => Number(v.toFixed(digits));

writeResults(
  'load',
  {
    uncompressed_first_image: { value: round(median(raw.map((r) => r.seconds)), 2), unit: 's' },
    uncompressed_peak_rss: { value: round(Math.max(...raw.map((r) => r.rssMib)), 0), unit: 'MiB' },
    jpeg2000_first_image: { value: round(j2k.seconds, 2), unit: 's' },
    jpeg2000_peak_rss: { value: round(j2k.rssMib, 0), unit: 'MiB' },
  },
  { uncompressed_first_image: { target: 3, unit: 's', better: 'lower' } },
);
