// The audit trail of AI corrections: one JSON line per applied, undone or redone intervention,
// under the user's data folder, so that what changed a segmentation (and who or what decided it)
// can be reconstructed later. Appends only; a line is written before the renderer shows the change.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { InterventionApplyResult } from '../../../shared/api';
import type { Intervention, InterpreterKind } from '../../../shared/intervention';

/** The study a line is about, as it stays the same across openings: its file and DICOM UIDs. */
export interface AuditStudy {
  path: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
}

export type AuditEntry = {
  time: string;
  /** This session's handle of the series (changes on every opening; `study` does not). */
  seriesId: string;
  study?: AuditStudy;
} & (
  | {
      event: 'apply';
      command: string;
      interpreter: string;
      intervention: unknown;
      summary: string;
      method: string;
      model: { id: string; version: string } | null;
      slices: { from: number; to: number } | null;
      voxelsChanged: number;
      changes: { name: string; added: number; removed: number }[];
      note?: string;
    }
  | { event: 'undo' | 'redo'; summary: string }
);

export class InterventionAuditLog {
  readonly path: string;
  constructor(dataDir: string) {
    this.path = join(dataDir, 'audit', 'interventions.jsonl');
  }

  async append(entry: AuditEntry): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  }

  /** Every entry so far, oldest first (an absent log is empty). */
  async read(): Promise<AuditEntry[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return text
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as AuditEntry);
  }
}

/** The audit line of an applied intervention. */
export function appliedEntry(
  seriesId: string,
  command: string,
  interpreter: InterpreterKind,
  intervention: Intervention,
  result: InterventionApplyResult,
  study?: AuditStudy,
): AuditEntry {
  return {
    time: new Date().toISOString(),
    event: 'apply',
    seriesId,
    ...(study ? { study } : {}),
    command,
    interpreter,
    intervention,
    summary: result.summary,
    method: result.method,
    model: result.model,
    slices: result.slices,
    voxelsChanged: result.voxelsChanged,
    changes: result.changes.map(({ name, added, removed }) => ({ name, added, removed })),
    note: result.note,
  };
}
