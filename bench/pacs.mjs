// PACS retrieve: a synthetic 512×512×400 CT series (uncompressed, ~200 MiB) is uploaded into a local
// Orthanc (Debian's orthanc + orthanc-dicomweb, started here on free loopback ports and stopped by
// PID), then retrieved with `causal-sam pacs retrieve` over WADO-RS, C-GET and C-MOVE into a fresh
// folder each time. Figures: wall time of the retrieve itself (as the CLI measures it, listing
// included) and throughput, best of `runs`. Needs `npm run build` and /usr/bin/python3 with pydicom
// and numpy (for the series; bench/tmp/load/ct-raw from `npm run bench -- load` is reused if there).
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResults } from './results.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'bin/causal-sam.mjs');
const slices = 400;
const runs = 2;
const ORTHANC = '/usr/sbin/Orthanc';
const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
const USER = 'bench';
const PASSWORD = 'bench-password';

// A body-like phantom with noise, signed 16-bit, 1 mm slices (only the transfer matters here).
const generator = `
import os, sys, numpy as np, pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
out, count = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
y, x = np.mgrid[0:512, 0:512]
body = ((x - 256) / 200.0) ** 2 + ((y - 260) / 150.0) ** 2 <= 1
study, series, frame = generate_uid(), generate_uid(), generate_uid()
for k in range(count):
    hu = np.where(body, 40, -1000) + rng.normal(0, 12, (512, 512))
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.2'
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID, ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
    ds.Modality, ds.PatientName, ds.PatientID, ds.SeriesNumber, ds.InstanceNumber = 'CT', 'Bench^Phantom', 'BENCH', 1, k + 1
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.ImagePositionPatient = [-179.65, -179.65, -float(k)]
    ds.PixelSpacing, ds.SliceThickness = [0.7, 0.7], 1.0
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 512, 512, 1, 'MONOCHROME2'
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
    ds.PixelData = np.clip(hu + 1024, -32768, 32767).astype(np.int16).tobytes()
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(os.path.join(out, f'{k + 1:04d}.dcm'), write_like_original=False)
`;

const dcmCount = (dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.dcm')).length : 0);

function seriesDir() {
  const reused = join(root, 'bench/tmp/load/ct-raw');
  if (dcmCount(reused) === slices) return reused;
  const own = join(root, 'bench/tmp/pacs/ct-raw');
  if (dcmCount(own) !== slices) {
    console.log(`generating ${slices} slices in ${own} …`);
    mkdirSync(own, { recursive: true });
    const run = spawnSync('/usr/bin/python3', ['-c', generator, own, String(slices)], { stdio: 'inherit' });
    if (run.status !== 0) throw new Error('generating the series failed');
  }
  return own;
}

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function startOrthanc(dir, localPort) {
  const [httpPort, dicomPort] = [await freePort(), await freePort()];
  const config = {
    Name: 'causal-sam-bench',
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: 'ORTHANC',
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: { [USER]: PASSWORD },
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'index'),
    DicomModalities: { workstation: ['CAUSALSAM', '127.0.0.1', localPort] },
    DicomAlwaysAllowGet: true,
    DicomAlwaysAllowMove: true,
    DicomAssociationCloseDelay: 0,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
    HttpCompressionEnabled: false,
    SaveJobs: false,
  };
  writeFileSync(join(dir, 'orthanc.json'), JSON.stringify(config));
  const child = spawn(ORTHANC, [join(dir, 'orthanc.json')], { cwd: dir, stdio: 'ignore' });
  const url = `http://127.0.0.1:${httpPort}`;
  const auth = { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/system`, { headers: auth }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, url, dicomPort, auth };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('Orthanc did not start');
}

function cliRetrieve(args) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, 'pacs', 'retrieve', ...args, '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (out += c));
    child.on('exit', (code) =>
      code === 0 ? done(JSON.parse(out.trim().split('\n')[0])) : fail(new Error(`retrieve exited ${code}`)),
    );
  });
}

async function main() {
  if (!existsSync(ORTHANC) || !existsSync(DICOMWEB_PLUGIN))
    throw new Error('needs Debian orthanc and orthanc-dicomweb (scripts/install-system-packages.sh)');
  const source = seriesDir();
  const work = mkdtempSync(join(tmpdir(), 'causal-sam-bench-pacs-'));
  const localPort = await freePort();
  const orthanc = await startOrthanc(work, localPort);
  try {
    const files = readdirSync(source).filter((f) => f.endsWith('.dcm'));
    console.log(`uploading ${files.length} instances to Orthanc …`);
    let next = 0;
    const upload = async () => {
      while (next < files.length) {
        const body = readFileSync(join(source, files[next++]));
        const r = await fetch(`${orthanc.url}/instances`, { method: 'POST', headers: orthanc.auth, body });
        if (!r.ok) throw new Error(`upload: HTTP ${r.status}`);
      }
    };
    await Promise.all([upload(), upload(), upload(), upload()]);
    const series = await (await fetch(`${orthanc.url}/series`, { headers: orthanc.auth })).json();
    const info = await (await fetch(`${orthanc.url}/series/${series[0]}`, { headers: orthanc.auth })).json();
    const study = await (
      await fetch(`${orthanc.url}/studies/${info.ParentStudy}`, { headers: orthanc.auth })
    ).json();
    const seriesUid = info.MainDicomTags.SeriesInstanceUID;
    const studyUid = study.MainDicomTags.StudyInstanceUID;
    const passwordFile = join(work, 'password');
    writeFileSync(passwordFile, PASSWORD, { mode: 0o600 });
    const dimse = [
      '--dimse',
      `ORTHANC@127.0.0.1:${orthanc.dicomPort}`,
      '--aet',
      'CAUSALSAM',
      '--port',
      String(localPort),
    ];
    const protocols = {
      wado_rs: ['--dicomweb', `${orthanc.url}/dicom-web`, '--user', USER, '--password-file', passwordFile],
      c_get: [...dimse, '--method', 'get'],
      c_move: [...dimse, '--method', 'move'],
    };
    const figures = {};
    for (const [name, args] of Object.entries(protocols)) {
      let best;
      for (let run = 0; run < runs; run++) {
        const out = join(work, `out-${name}-${run}`);
        const result = await cliRetrieve([...args, '--study', studyUid, '--series', seriesUid, '--out', out]);
        if (result.retrieved !== slices)
          throw new Error(`${name}: retrieved ${result.retrieved} of ${slices}`);
        if (!best || result.seconds < best.seconds) best = result;
        rmSync(out, { recursive: true, force: true });
      }
      const mib = best.bytes / 1048576;
      figures[`${name}_seconds`] = { value: +best.seconds.toFixed(2), unit: 's' };
      figures[`${name}_throughput`] = { value: +(mib / best.seconds).toFixed(1), unit: 'MiB/s' };
      figures[`${name}_instances_per_second`] = { value: +(slices / best.seconds).toFixed(0), unit: '1/s' };
    }
    let total = 0;
    for (const f of files) total += readFileSync(join(source, f)).byteLength;
    figures.series_size = { value: +(total / 1048576).toFixed(1), unit: 'MiB' };
    writeResults('pacs', figures);
  } finally {
    process.kill(orthanc.child.pid, 'SIGTERM');
    await new Promise((r) => orthanc.child.once('exit', r));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`bench pacs: ${error.message}`);
  process.exit(1);
});
