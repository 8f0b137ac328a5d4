// dcm2niix and BIDS write a JSON sidecar beside every NIfTI (same name, .json): it carries what the
// NIfTI header cannot, above all the DICOM Modality. Without it an MR NIfTI (whose descrip is
// usually empty) reads as "OT" and cannot be segmented until the user says --modality MR.

/** The sidecar's name for a NIfTI path: `scan.nii.gz` / `scan.nii` → `scan.json`; else null. */
export function sidecarName(niftiPath: string): string | null {
  const match = /^(.*)\.nii(\.gz)?$/i.exec(niftiPath);
  return match ? `${match[1]}.json` : null;
}

/** What a sidecar says about the image, as texts for the modality rule; a warning when unreadable. */
export function sidecarTexts(path: string, bytes: Uint8Array): { texts: string[]; warning?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return { texts: [], warning: `${path}: the JSON sidecar is not valid JSON; its modality is not used` };
  }
  if (typeof parsed !== 'object' || parsed === null) return { texts: [] };
  const modality = (parsed as Record<string, unknown>).Modality;
  return { texts: typeof modality === 'string' ? [modality] : [] };
}
