// Shared by every benchmark: the machine description and the results file format.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

export function machine() {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
}

/**
 * figures: { name: { value, unit } }; targets: { name: { target, unit, better: 'lower' | 'higher' } }.
 * Prints one line per figure and writes bench/results/<bench>.json.
 */
export function writeResults(bench, figures, targets = {}) {
  for (const [name, { value, unit }] of Object.entries(figures)) {
    const t = targets[name];
    const verdict = t
      ? ` (target ${t.better === 'higher' ? '≥' : '≤'} ${t.target} ${t.unit}: ${met(value, t) ? 'met' : 'NOT met'})`
      : '';
    console.log(`${name}: ${value} ${unit}${verdict}`);
  }
  const out = {
    date: new Date().toISOString(),
    machine: machine(),
    figures: Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, v])),
    targets: Object.fromEntries(
      Object.entries(targets).map(([name, t]) => [
        name,
        {
          value: figures[name]?.value ?? null,
          target: t.target,
          unit: t.unit,
          met: figures[name] ? met(figures[name].value, t) : false,
        },
      ]),
    ),
  };
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}${bench}.json`, JSON.stringify(out, null, 2) + '\n');
}

function met(value, t) {
  return t.better === 'higher' ? value >= t.target : value <= t.target;
}
