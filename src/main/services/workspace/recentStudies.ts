import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { RecentStudy } from '../../../shared/api';

const maxRecent = 20;

/** The same study however its paths were typed: absolute, sorted. */
const studyKey = (paths: readonly string[]) => JSON.stringify(paths.map((p) => resolve(p)).sort());

/**
 * Recently opened studies, newest first, kept as JSON in the user's data folder. Paths are kept
 * absolute, and a study opened again by another spelling of its path replaces its old entry.
 */
export class RecentStudies {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'recent-studies.json');
  }

  async list(): Promise<RecentStudy[]> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as unknown;
      return Array.isArray(parsed) ? (parsed as RecentStudy[]).filter((s) => Array.isArray(s.paths)) : [];
    } catch {
      // A missing or damaged list must never stop the app: it is only a convenience.
      return [];
    }
  }

  async remember(opened: string[], now = new Date()): Promise<RecentStudy[]> {
    const paths = opened.map((p) => resolve(p));
    const key = studyKey(paths);
    const seen = new Set([key]);
    const others = (await this.list()).filter((s) => {
      const k = studyKey(s.paths);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    const label =
      paths.length === 1 ? basename(paths[0]) : `${basename(paths[0])} and ${paths.length - 1} more`;
    const items = [{ paths, label, openedAt: now.toISOString() }, ...others].slice(0, maxRecent);
    await mkdir(join(this.file, '..'), { recursive: true });
    // Write then rename, so a crash mid-write never leaves a truncated list.
    const tmp = `${this.file}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify(items, null, 1));
    await rename(tmp, this.file);
    return items;
  }
}
