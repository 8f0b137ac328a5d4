// `npm start`: the workstation on the embedded sample study, in Electron where its runtime is
// installed, otherwise in the web shell (which prints its URL and opens Chromium when there is one).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sample = fileURLToPath(new URL('../resources/sample/example_ct.nii.gz', import.meta.url));
const args = process.argv.slice(2);
const paths = args.some((a) => !a.startsWith('-')) ? [] : [sample];

let electron = null;
try {
  // Resolves to the runtime's path only when the binary is really there.
  electron = (await import('electron')).default;
  if (typeof electron !== 'string' || !existsSync(electron)) electron = null;
} catch {
  electron = null;
}

const [command, commandArgs] = electron
  ? [electron, [root, ...args, ...paths]]
  : [process.execPath, [fileURLToPath(new URL('../out/main/web.js', import.meta.url)), ...args, ...paths]];
if (!electron) console.log('Electron runtime not installed: starting the web shell.');
const child = spawn(command, commandArgs, { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
