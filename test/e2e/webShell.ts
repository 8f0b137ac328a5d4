// Starts the built web shell (out/main/web.js) as a child process on a free loopback port with a
// fresh data directory, and reads the URL (with its access token) from the line it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface RunningWebShell {
  /** The URL to open, token included. */
  url: string;
  /** http://127.0.0.1:<port> */
  origin: string;
  /** The per-launch access token (also in url). */
  token: string;
  dataDir: string;
  /** Everything the process printed so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export const repoRoot = resolve(import.meta.dirname, '../..');
const readyLine = /Workstation ready at (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+))/;

function exited(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
}

/** `dataDir` reuses another run's data folder (a restart); it is then left for its owner to remove. */
export async function startWebShell(
  options: { timeoutMs?: number; dataDir?: string } = {},
): Promise<RunningWebShell> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'causal-sam-e2e-')));
  const child = spawn(process.execPath, ['out/main/web.js', '--port', '0', '--no-open'], {
    cwd: repoRoot,
    env: { ...process.env, CAUSAL_SAM_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));

  async function stop() {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited(child);
      clearTimeout(timer);
    }
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
  }

  try {
    const match = await new Promise<RegExpMatchArray>((resolveMatch, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`web shell not ready after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const check = () => {
        const found = output.match(readyLine);
        if (found) {
          clearTimeout(timer);
          resolveMatch(found);
        }
      };
      child.stdout!.on('data', check);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`web shell exited (${signal ?? code}) before it was ready`));
      });
      child.once('error', reject);
    });
    return {
      url: match[1],
      origin: `http://127.0.0.1:${match[2]}`,
      token: match[3],
      dataDir,
      output: () => output,
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- web shell output ---\n${output}`);
  }
}
