// A real Orthanc for the PACS tests: started on free loopback ports with a config of our own (auth on,
// DICOMweb plugin loaded, the workstation registered for C-MOVE), fed the shared DICOM series over
// its REST API, and stopped by PID. Orthanc binds every interface, so it lives only as long as a
// test file and accepts only registered users on HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { debianFile } from '../requireData';

export const ORTHANC_BIN = '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
/** Orthanc with its DICOMweb plugin and the shared MR series it is fed (give them to `requireData`). */
export const orthancInstalled = [
  debianFile(ORTHANC_BIN, 'orthanc'),
  debianFile(DICOMWEB_PLUGIN, 'orthanc-dicomweb'),
];

export const repoRoot = resolve(import.meta.dirname, '../../..');
/** The shared MR series: 24 slices of 512 × 512. */
export const sharedSeriesDir = resolve(repoRoot, '../shared/data/niivue/vs_seg_001_t1c_dicom');

export const USER = 'radiologist';
export const PASSWORD = 'pacs-test-secret';

export interface RunningOrthanc {
  httpUrl: string;
  dicomWebUrl: string;
  dicomPort: number;
  aet: string;
  pid: number;
  /** GET/POST on the REST API with the test user's credentials. */
  rest(path: string, init?: RequestInit): Promise<Response>;
  upload(files: string[]): Promise<void>;
  log(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

const authHeader = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

export async function startOrthanc(workstation: { aet: string; port: number }): Promise<RunningOrthanc> {
  const dir = await mkdtemp(join(tmpdir(), 'causal-sam-orthanc-'));
  const [httpPort, dicomPort] = [await freePort(), await freePort()];
  const config = {
    Name: 'causal-sam-test',
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: 'ORTHANC',
    // A wrong called AE title must be rejected (the association-rejected test).
    DicomCheckCalledAet: true,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: { [USER]: PASSWORD },
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'index'),
    DicomModalities: { workstation: [workstation.aet, '127.0.0.1', workstation.port] },
    DicomAlwaysAllowFind: true,
    DicomAlwaysAllowGet: true,
    DicomAlwaysAllowMove: true,
    DicomScuTimeout: 10,
    // Keep the association to the workstation short: its SCP closes right after a retrieve.
    DicomAssociationCloseDelay: 0,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
    HttpCompressionEnabled: false,
    SaveJobs: false,
  };
  const configPath = join(dir, 'orthanc.json');
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const child: ChildProcess = spawn(ORTHANC_BIN, [configPath], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (output += c));
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const rest = (path: string, init: RequestInit = {}) =>
    fetch(`${httpUrl}${path}`, { ...init, headers: { Authorization: authHeader, ...(init.headers ?? {}) } });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`Orthanc exited (${child.exitCode}) before it was ready:\n${output}`);
    }
    try {
      if ((await rest('/system')).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Orthanc not ready after 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    httpUrl,
    dicomWebUrl: `${httpUrl}/dicom-web`,
    dicomPort,
    aet: 'ORTHANC',
    pid: child.pid!,
    rest,
    async upload(files) {
      for (const file of files) {
        const response = await rest('/instances', { method: 'POST', body: await readFile(file) });
        if (!response.ok)
          throw new Error(`upload of ${file}: HTTP ${response.status} ${await response.text()}`);
      }
    },
    log: () => output,
    stop,
  };
}

export async function sharedSeriesFiles(): Promise<string[]> {
  return (await readdir(sharedSeriesDir))
    .filter((f) => f.endsWith('.dcm'))
    .map((f) => join(sharedSeriesDir, f));
}
