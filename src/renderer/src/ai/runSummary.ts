// How a model run is described to the reader: which execution provider ran it and how long it
// took ("cpu · 4.3 s"), the steps' times for the tooltip, and the main side's warnings.
import type { SegmentationRunResult } from '../../../shared/api';

/** "850 ms", "4.3 s", "1 min 05 s": precise enough to compare runs, short enough for a status line. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** The whole run's time: the main side's total where it gives one, else the sum of its steps. */
export function totalMs(timingsMs: Record<string, number>): number {
  if (typeof timingsMs.totalMs === 'number') return timingsMs.totalMs;
  return Object.entries(timingsMs)
    .filter(([key]) => key.endsWith('Ms'))
    .reduce((sum, [, v]) => sum + v, 0);
}

export function runSummary(result: Pick<SegmentationRunResult, 'provider' | 'timingsMs'>): string {
  return `${result.provider} · ${formatDuration(totalMs(result.timingsMs))}`;
}

/** Each step's time ("encoder 3.6 s · decoder 3.8 s") and the counts the main side reports. */
export function timingDetails(timingsMs: Record<string, number>): string {
  return Object.entries(timingsMs)
    .filter(([key]) => key !== 'totalMs')
    .map(([key, v]) =>
      key.endsWith('Ms')
        ? `${key.slice(0, -2)} ${formatDuration(v)}`
        : `${key.replace(/([A-Z])/g, ' $1').toLowerCase()} ${v}`,
    )
    .join(' · ');
}
