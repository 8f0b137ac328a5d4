// Tests fail, never skip. A test that needs the shared data, a built bundle, the demo model or a
// Debian tool calls `requireData(...)` first; whatever is missing fails the suite with one line per
// missing thing, naming it and the step that provides it. The same holds on a developer's machine as
// under CI=true: a green run that silently skipped the real-data tests would claim what it never ran.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';

/** Something a test needs from outside its own code, whether it is here, and how to get it. */
export interface Prerequisite {
  what: string;
  present: boolean;
  fix: string;
}

export class MissingPrerequisiteError extends Error {}

/** Throws one clear error listing every missing prerequisite; returns when all are present. */
export function requireData(...prerequisites: Prerequisite[]): void {
  const missing = prerequisites.filter((p) => !p.present);
  if (missing.length === 0) return;
  const ci = process.env.CI === 'true' ? ' (CI=true)' : '';
  throw new MissingPrerequisiteError(
    `this test needs what is not here${ci}; tests fail rather than skip:\n` +
      missing.map((p) => `  missing ${p.what}: ${p.fix}`).join('\n'),
  );
}

const repoRoot = join(import.meta.dirname, '..', '..');
export const sharedData = join(repoRoot, '..', 'shared', 'data');

/** A file of the shared, read-only test data next to the repository (../shared/data). */
export function sharedFile(path: string): Prerequisite {
  return {
    what: relative(repoRoot, path),
    present: existsSync(path),
    fix: 'put the shared test data at ../shared/data beside the repository (see its SOURCES.md)',
  };
}

/** A file the build writes (out/main/cli.js, out/main/web.js, out/renderer/…). */
export function builtFile(path: string): Prerequisite {
  return { what: path, present: existsSync(join(repoRoot, path)), fix: 'run `npm run build`' };
}

/** A program or file a Debian package installs. */
export function debianFile(path: string, debianPackage: string): Prerequisite {
  return {
    what: path,
    present: existsSync(path),
    fix: `run \`sudo bash scripts/install-system-packages.sh\` (Debian package ${debianPackage})`,
  };
}

/** A program on PATH from a Debian package. */
export function program(name: string, debianPackage: string): Prerequisite {
  const present = (process.env.PATH ?? '').split(delimiter).some((d) => existsSync(join(d, name)));
  return {
    what: `${name} on PATH`,
    present,
    fix: `run \`sudo bash scripts/install-system-packages.sh\` (Debian package ${debianPackage})`,
  };
}

/** A model folder with its manifest (the shipped demo model unless CAUSAL_SAM_MODELS_DIR says otherwise). */
export function modelFolder(dir: string): Prerequisite {
  return {
    what: join(dir.startsWith(repoRoot) ? relative(repoRoot, dir) : dir, 'manifest.json'),
    present: existsSync(join(dir, 'manifest.json')),
    fix: 'restore models/ from git (git checkout -- models) or point CAUSAL_SAM_MODELS_DIR at a models folder',
  };
}

/** /usr/bin/python3 with the Python modules named. */
export function python(...modules: string[]): Prerequisite {
  const present =
    existsSync('/usr/bin/python3') &&
    spawnSync('/usr/bin/python3', ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' }).status === 0;
  return {
    what: `/usr/bin/python3 with ${modules.join(', ')}`,
    present,
    fix: 'run `sudo bash scripts/install-system-packages.sh` (python3-numpy, python3-scipy, python3-nibabel, …)',
  };
}
