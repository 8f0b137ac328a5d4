// Runs the built command line (bin/causal-sam.mjs → out/main/cli.js) as a user would, with the
// environment given on top of this process's, and collects what it printed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(process.cwd(), 'bin/causal-sam.mjs'), ...args], {
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('exit', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}
