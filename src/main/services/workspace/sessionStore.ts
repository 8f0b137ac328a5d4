// Session autosave: the segmentation a reader is editing on a study, and where they were in it,
// kept under the user's data folder so edits survive closing the study and crashes. One file per
// study key (its SeriesInstanceUID, else its source path), written whole to a temporary file and
// renamed over the old one, so a crash mid-write leaves the previous save intact. Label layers are
// gzipped (label maps compress ~100×) and base64-encoded inside one JSON document. Each save is the
// version the reader was looking at, whatever made it (a stroke, a correction, a loaded file).
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Segmentation, Vec3 } from '../../../shared/volume';

export interface SessionView {
  windowWidth: number;
  windowLevel: number;
  /** Crosshair voxel index. */
  cursor: Vec3;
}

export interface Session {
  /** ISO time of the save. */
  savedAt: string;
  segmentation: Segmentation;
  view?: SessionView;
  /** What the saved version was on the history list ("Loaded · labels.nii.gz · 61 structures"). */
  label?: string;
}

interface StoredLayer {
  type: 'uint8' | 'uint16';
  gzipBase64: string;
}

interface StoredSession {
  format: 'causal-sam-session';
  version: 1;
  key: string;
  savedAt: string;
  geometry: Pick<Segmentation, 'dims' | 'spacingMm' | 'originLps' | 'axesLps'>;
  segments: Segmentation['segments'];
  layers: StoredLayer[];
  view?: SessionView;
  label?: string;
}

export class SessionStore {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'sessions');
  }

  /** File of a study key: hashed, so any key (paths, UIDs) makes a safe file name. */
  fileOf(key: string): string {
    return join(this.dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
  }

  async save(
    key: string,
    segmentation: Segmentation,
    view?: SessionView,
    now = new Date(),
    label?: string,
  ): Promise<Session> {
    const { dims, spacingMm, originLps, axesLps, segments } = segmentation;
    const voxels = dims[0] * dims[1] * dims[2];
    const layers = segmentation.layers.map((layer): StoredLayer => {
      if (layer.length !== voxels)
        throw new Error(`a label layer has ${layer.length} voxels, the grid ${voxels}`);
      const bytes = new Uint8Array(layer.buffer, layer.byteOffset, layer.byteLength);
      return {
        type: layer instanceof Uint16Array ? 'uint16' : 'uint8',
        gzipBase64: gzipSync(bytes, { level: 6 }).toString('base64'),
      };
    });
    const stored: StoredSession = {
      format: 'causal-sam-session',
      version: 1,
      key,
      savedAt: now.toISOString(),
      geometry: { dims, spacingMm, originLps, axesLps },
      segments,
      layers,
      view,
      label,
    };
    await mkdir(this.dir, { recursive: true });
    const file = this.fileOf(key);
    // A random name per save: two saves started in the same millisecond never share a temporary file.
    const tmp = `${file}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify(stored));
    await rename(tmp, file);
    return { savedAt: stored.savedAt, segmentation, view, label };
  }

  /** The saved session of a study, or null when there is none or it cannot be read back intact. */
  async restore(key: string): Promise<Session | null> {
    let stored: StoredSession;
    try {
      stored = JSON.parse(await readFile(this.fileOf(key), 'utf8')) as StoredSession;
    } catch {
      return null;
    }
    if (stored?.format !== 'causal-sam-session' || stored.version !== 1 || stored.key !== key) return null;
    try {
      const { dims } = stored.geometry;
      const voxels = dims[0] * dims[1] * dims[2];
      const layers = stored.layers.map((l) => {
        const bytes = gunzipSync(Buffer.from(l.gzipBase64, 'base64'));
        // Copy into a fresh, aligned buffer of exactly the right type.
        const out = l.type === 'uint16' ? new Uint16Array(voxels) : new Uint8Array(voxels);
        if (bytes.byteLength !== out.byteLength) throw new Error('layer size does not match the grid');
        new Uint8Array(out.buffer).set(bytes);
        return out;
      });
      return {
        savedAt: stored.savedAt,
        segmentation: { ...stored.geometry, segments: stored.segments, layers },
        view: stored.view,
        ...(stored.label ? { label: stored.label } : {}),
      };
    } catch {
      // A damaged autosave must not stop the study from opening; the reader starts from the files.
      return null;
    }
  }

  async discard(key: string): Promise<boolean> {
    try {
      await rm(this.fileOf(key));
      return true;
    } catch {
      return false;
    }
  }
}
