// The local copy of what was retrieved: <root>/<StudyUID>/<SeriesUID>/<SOPInstanceUID>.dcm.
// Every file is written to a temporary name and renamed into place, so a file under its final name
// is always complete: a retrieve cut off midway leaves only whole instances, and a retry skips them
// (resume) instead of fetching or storing them twice.
import { open, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PacsError } from './errors';

/** UIDs come from a remote archive and become path names: only digits and dots pass. */
export function checkUid(uid: string, what: string): string {
  if (!/^[0-9]+(\.[0-9]+)*$/.test(uid) || uid.length > 64)
    throw new PacsError('protocol', `the archive sent an invalid ${what} "${uid.slice(0, 80)}"`);
  return uid;
}

async function isPart10(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const header = Buffer.alloc(132);
    const { bytesRead } = await file.read(header, 0, 132, 0);
    return bytesRead === 132 && header.toString('latin1', 128, 132) === 'DICM';
  } finally {
    await file.close();
  }
}

export class PacsCache {
  constructor(readonly root: string) {}

  seriesDir(studyUid: string, seriesUid: string): string {
    return join(
      this.root,
      checkUid(studyUid, 'Study Instance UID'),
      checkUid(seriesUid, 'Series Instance UID'),
    );
  }

  /** SOP Instance UIDs of the series' verified cached files; removes leftovers of an interrupted write. */
  async cachedInstances(studyUid: string, seriesUid: string): Promise<Set<string>> {
    const dir = this.seriesDir(studyUid, seriesUid);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
      throw error;
    }
    const found = new Set<string>();
    for (const name of names) {
      const path = join(dir, name);
      if (name.endsWith('.tmp')) {
        await rm(path, { force: true });
        continue;
      }
      if (!name.endsWith('.dcm')) continue;
      if (await isPart10(path)) found.add(name.slice(0, -4));
      else await rm(path, { force: true });
    }
    return found;
  }

  async files(studyUid: string, seriesUid: string): Promise<string[]> {
    const dir = this.seriesDir(studyUid, seriesUid);
    return [...(await this.cachedInstances(studyUid, seriesUid))]
      .sort()
      .map((uid) => join(dir, `${uid}.dcm`));
  }

  pathOf(studyUid: string, seriesUid: string, sopInstanceUid: string): string {
    return join(this.seriesDir(studyUid, seriesUid), `${checkUid(sopInstanceUid, 'SOP Instance UID')}.dcm`);
  }

  /** Writes one Part 10 instance; the same instance twice lands on the same file (no duplicates). */
  async put(studyUid: string, seriesUid: string, sopInstanceUid: string, bytes: Uint8Array): Promise<string> {
    const path = this.pathOf(studyUid, seriesUid, sopInstanceUid);
    await mkdir(this.seriesDir(studyUid, seriesUid), { recursive: true });
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
    return path;
  }
}
