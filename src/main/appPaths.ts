import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json above the running bundle, wherever the bundler put its chunks. */
function findAppRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

export const appRoot = findAppRoot();
export const resourcesDir = join(appRoot, 'resources');
export const rendererDir = join(appRoot, 'out', 'renderer');
export const preloadPath = join(appRoot, 'out', 'preload', 'index.cjs');
export const appVersion: string = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')).version;
