// `npm run bench -- <name>` runs bench/<name>.mjs, which prints a line per figure and writes
// bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const name = process.argv[2];
const available = readdirSync(fileURLToPath(new URL('.', import.meta.url)))
  .filter((f) => f.endsWith('.mjs') && !['run.mjs', 'results.mjs', 'ctSeries.mjs'].includes(f))
  .map((f) => f.replace(/\.mjs$/, ''));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name>   (one of: ${available.join(', ')})`);
  process.exit(2);
}
const script = fileURLToPath(new URL(`${name}.mjs`, import.meta.url));
if (!existsSync(fileURLToPath(new URL('../out/main/cli.js', import.meta.url)))) {
  console.error('build first: npm run build');
  process.exit(1);
}
const run = spawnSync(process.execPath, ['--expose-gc', script, ...process.argv.slice(3)], {
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
