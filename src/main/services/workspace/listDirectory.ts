import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { DirectoryListing } from '../../../shared/api';

/** One folder of the host for the study browser: folders first, then files, hidden ones left out. */
export async function listDirectory(path: string | undefined): Promise<DirectoryListing> {
  const dir = resolve(path || homedir());
  const names = (await readdir(dir)).filter((name) => !name.startsWith('.'));
  const entries = await Promise.all(
    names.map(async (name) => {
      const full = join(dir, name);
      try {
        const s = await stat(full);
        return {
          name,
          path: full,
          kind: s.isDirectory() ? ('directory' as const) : ('file' as const),
          sizeBytes: s.size,
        };
      } catch {
        return null; // a dangling link or a file we may not read: not worth showing
      }
    }),
  );
  const parent = dirname(dir);
  return {
    path: dir,
    parent: parent === dir ? null : parent,
    entries: entries
      .filter((e) => e !== null)
      .sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'directory' ? -1 : 1)),
  };
}
