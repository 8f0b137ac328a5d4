// `causal-sam pacs …` as a radiologist or a script runs it: the built command line (npm run build)
// against a real Orthanc, over DICOMweb and DIMSE.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtFile, requireData, sharedFile } from '../requireData';
import { runCli, type CliRun } from '../runCli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PacsService } from '../../../src/main/services/pacs/index';
import {
  PASSWORD,
  USER,
  freePort,
  orthancInstalled,
  sharedSeriesDir,
  sharedSeriesFiles,
  startOrthanc,
  type RunningOrthanc,
} from './orthanc';

let orthanc: RunningOrthanc;
let work: string;
let localPort: number;
let passwordFile: string;
/** Everything every run printed: a password must never be in it. */
const printed: string[] = [];

async function run(args: string[]): Promise<CliRun> {
  const result = await runCli(args, { CAUSAL_SAM_DATA_DIR: join(work, 'data') });
  printed.push(result.stdout, result.stderr);
  return result;
}

const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('causal-sam pacs (built CLI) against Orthanc', () => {
  requireData(...orthancInstalled, sharedFile(sharedSeriesDir), builtFile('out/main/cli.js'));
  let web: string[];
  let dimse: string[];
  let studyUid: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'causal-sam-pacs-cli-'));
    localPort = await freePort();
    orthanc = await startOrthanc({ aet: 'CAUSALSAM', port: localPort });
    await orthanc.upload(await sharedSeriesFiles());
    passwordFile = join(work, 'password');
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    web = ['--dicomweb', orthanc.dicomWebUrl, '--user', USER, '--password-file', passwordFile];
    dimse = [
      '--dimse',
      `ORTHANC@127.0.0.1:${orthanc.dicomPort}`,
      '--aet',
      'CAUSALSAM',
      '--port',
      String(localPort),
    ];
  });
  afterAll(async () => {
    await orthanc?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('echo over both protocols', async () => {
    expect((await run(['pacs', 'echo', ...web])).code).toBe(0);
    const result = await run(['pacs', 'echo', ...dimse, '--json']);
    expect(result.code).toBe(0);
    expect(lines(result.stdout)[0]).toMatchObject({ ok: true });
  });

  it('find --json by QIDO-RS and C-FIND, and series of a study', async () => {
    const byWeb = lines((await run(['pacs', 'find', ...web, '--modality', 'MR', '--json'])).stdout);
    const byDimse = lines((await run(['pacs', 'find', ...dimse, '--modality', 'MR', '--json'])).stdout);
    expect(byWeb).toHaveLength(1);
    expect(byDimse.map((s) => s.studyUid)).toEqual(byWeb.map((s) => s.studyUid));
    studyUid = byWeb[0].studyUid as string;
    const series = lines((await run(['pacs', 'find', ...dimse, '--study', studyUid, '--json'])).stdout);
    expect(series[0]).toMatchObject({ modality: 'MR', instanceCount: 24 });
  });

  it('retrieve --out by WADO-RS, C-GET and C-MOVE; a rerun fetches nothing', async () => {
    for (const [name, args] of [
      ['web', web],
      ['get', [...dimse, '--method', 'get']],
      ['move', [...dimse, '--method', 'move']],
    ] as const) {
      const out = join(work, `out-${name}`);
      const first = await run(['pacs', 'retrieve', ...args, '--study', studyUid, '--out', out, '--json']);
      expect(first.code, first.stderr).toBe(0);
      const [summary] = lines(first.stdout);
      expect(summary).toMatchObject({ retrieved: 24, alreadyCached: 0 });
      expect(await readdir(summary.folder as string)).toHaveLength(24);
      const again = lines(
        (await run(['pacs', 'retrieve', ...args, '--study', studyUid, '--out', out, '--json'])).stdout,
      );
      expect(again[0]).toMatchObject({ retrieved: 0, alreadyCached: 24 });
    }
  });

  it('store a folder by STOW-RS and by C-STORE', async () => {
    const folder = join(work, 'out-web');
    const byWeb = await run(['pacs', 'store', ...web, folder]);
    expect(byWeb.code, byWeb.stderr).toBe(0);
    expect(byWeb.stdout).toMatch(/stored 24 of 24 files/);
    const byDimse = await run(['pacs', 'store', ...dimse, folder, '--json']);
    expect(byDimse.code, byDimse.stderr).toBe(0);
    expect(lines(byDimse.stdout)).toHaveLength(24);
  });

  it('--node: a node saved in the settings, its password from the secrets file', async () => {
    const settings = new PacsService(join(work, 'data')).settings;
    await settings.save(
      { name: 'archive', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic', username: USER },
      PASSWORD,
    );
    await settings.save({
      name: 'archive-dimse',
      kind: 'dimse',
      aet: 'ORTHANC',
      host: '127.0.0.1',
      port: orthanc.dicomPort,
      retrieve: 'get',
    });
    const echo = await run(['pacs', 'echo', '--node', 'archive']);
    expect(echo.code, echo.stderr).toBe(0);
    // The DICOMweb echo is an authenticated QIDO-RS query; C-FIND through the saved DIMSE node.
    const found = await run(['pacs', 'find', '--node', 'archive-dimse', '--modality', 'MR', '--json']);
    expect(found.code, found.stderr).toBe(0);
    expect(lines(found.stdout).map((s) => s.studyUid)).toEqual([studyUid]);
    const missing = await run(['pacs', 'echo', '--node', 'nowhere']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nowhere/);
  });

  it('says plainly what went wrong, and never echoes the password', async () => {
    const wrong = join(work, 'wrong-password');
    await writeFile(wrong, 'not-the-password-xyz\n');
    const denied = await run([
      'pacs',
      'find',
      '--dicomweb',
      orthanc.dicomWebUrl,
      '--user',
      USER,
      '--password-file',
      wrong,
    ]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/wrong credentials for http:\/\/127\.0\.0\.1:\d+\/dicom-web \(HTTP 401\)/);
    expect(denied.stdout + denied.stderr).not.toContain('not-the-password-xyz');
    const rejected = await run(['pacs', 'echo', '--dimse', `WRONG@127.0.0.1:${orthanc.dicomPort}`]);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/association rejected by WRONG@/);
    const usage = await run(['pacs', 'find']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/give exactly one of --dicomweb, --dimse or --node/);
    // Nothing any run above printed holds the password, right or wrong.
    expect(printed.length).toBeGreaterThan(20);
    for (const text of printed) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('not-the-password-xyz');
    }
  });
});
