// Writing the volume report where the user asked (the app's Export and `causal-sam segment
// --report-csv/--report-json`): one path, so both write the same bytes.
import { writeFile } from 'node:fs/promises';
import type { SavedFile } from '../../../shared/api';
import type { Segmentation } from '../../../shared/volume';
import { buildVolumeReport } from './report';

export interface ReportPaths {
  csvPath?: string;
  jsonPath?: string;
}

/** The report as CSV and JSON text, each also written to its path where one is given. */
export async function saveVolumeReport(
  segmentation: Segmentation,
  model: { id: string; version: string } | null,
  { csvPath, jsonPath }: ReportPaths,
): Promise<{ csv: string; json: string; saved: SavedFile[] }> {
  const { csv, json } = buildVolumeReport(segmentation, model);
  const saved: SavedFile[] = [];
  for (const [file, text] of [
    [csvPath, csv],
    [jsonPath, json],
  ] as const) {
    if (!file) continue;
    await writeFile(file, text);
    saved.push({ path: file, bytes: Buffer.byteLength(text) });
  }
  return { csv, json, saved };
}
