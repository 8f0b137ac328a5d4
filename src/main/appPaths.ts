import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root, found from the built entry (out/main/*.js) so all three shells agree. */
export const appRoot = fileURLToPath(new URL('../..', import.meta.url));
export const resourcesDir = join(appRoot, 'resources');
export const rendererDir = join(appRoot, 'out', 'renderer');
export const preloadPath = join(appRoot, 'out', 'preload', 'index.cjs');
export const appVersion: string = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')).version;
