// The "before → after" of an applied intervention, as the chat shows it: per changed structure the
// voxels and millilitres it had and has, what was added and removed, which slices changed, how the
// change was made and how long it took. Pure: the apply result and the counts before it in, rows out.
import type { InterventionApplyResult } from '../../../shared/api';
import { displayName } from '../../../shared/intervention';
import type { Vec3 } from '../../../shared/volume';

export type ApplyOutcome = Omit<InterventionApplyResult, 'edit'>;

export interface ChangeRow {
  name: string;
  value: number;
  beforeVoxels: number;
  afterVoxels: number;
  added: number;
  removed: number;
  beforeMl: number;
  afterMl: number;
}

export interface ApplyReport {
  rows: ChangeRow[];
  /** "slices 38–46" (1-based, as the slice viewer numbers them), or null when nothing changed. */
  slices: string | null;
  method: string;
  note?: string;
  /** "0.42 s": the main side's own timings when it gives a total, else the round trip. */
  time: string;
}

const methods: Record<ApplyOutcome['method'], string> = {
  film: 'decoder re-run with FiLM directions',
  logits: 'class logits raised or lowered',
  geometric: 'boundary moved by distance',
  'mask-edit': 'label removed (mask edit)',
};

const mlOf = (voxels: number, s: Vec3) => (voxels * s[0] * s[1] * s[2]) / 1000;

export function formatSeconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** mL with sensible precision: 1234 mL, 12.3 mL, 0.42 mL. */
export function formatMl(ml: number): string {
  const a = Math.abs(ml);
  return `${a >= 100 ? ml.toFixed(0) : a >= 1 ? ml.toFixed(1) : ml.toFixed(2)} mL`;
}

/** Total main-side time: its 'total' entry if there is one, else the sum of its stages. */
export function mainSideMs(timingsMs: Record<string, number>): number | null {
  if (typeof timingsMs.total === 'number') return timingsMs.total;
  const stages = Object.values(timingsMs).filter((v) => Number.isFinite(v));
  return stages.length ? stages.reduce((a, b) => a + b, 0) : null;
}

export function applyReport(
  outcome: ApplyOutcome,
  countsBefore: ReadonlyMap<number, number>,
  spacingMm: Vec3,
  roundTripMs: number,
): ApplyReport {
  const rows = outcome.changes.map((c) => {
    const beforeVoxels = countsBefore.get(c.value) ?? 0;
    const afterVoxels = beforeVoxels + c.added - c.removed;
    return {
      name: displayName(c.name),
      value: c.value,
      beforeVoxels,
      afterVoxels,
      added: c.added,
      removed: c.removed,
      beforeMl: mlOf(beforeVoxels, spacingMm),
      afterMl: mlOf(afterVoxels, spacingMm),
    };
  });
  const s = outcome.slices;
  const slices = s ? (s.from === s.to ? `slice ${s.from + 1}` : `slices ${s.from + 1}–${s.to + 1}`) : null;
  const ms = mainSideMs(outcome.timingsMs) ?? roundTripMs;
  return {
    rows,
    slices,
    // A relabel is one mask edit that takes voxels from one structure and gives them to another.
    method:
      outcome.method === 'mask-edit' && outcome.changes.some((c) => c.added > 0)
        ? 'voxels relabelled (one mask edit, one undo)'
        : (methods[outcome.method] ?? outcome.method),
    ...(outcome.note ? { note: outcome.note } : {}),
    time: formatSeconds(ms),
  };
}

/** "liver 1234 → 1180 voxels (+3 −57), 33.3 → 31.9 mL": one line per row for text and titles. */
export function changeLine(r: ChangeRow): string {
  return (
    `${r.name} ${r.beforeVoxels} → ${r.afterVoxels} voxels (+${r.added} \u2212${r.removed}), ` +
    `${formatMl(r.beforeMl).replace(' mL', '')} → ${formatMl(r.afterMl)}`
  );
}
