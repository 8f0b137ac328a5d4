// Image instances → series. By SeriesInstanceUID where the files have a usable one; files whose
// anonymiser blanked, dropped or regenerated it per file are grouped by what they still share
// (frame of reference, series number and description, modality, image size, orientation, pixel
// spacing), and the series says so in a warning. Ordering along the normal is the stack's job.
import { numberOf, numbersOf, stringOf } from './attributes';
import type { ParsedInstance } from './parse';

export interface InstanceGroup {
  instances: ParsedInstance[];
  /** How the group was formed, when not plainly by its UID; files set aside as copies. */
  warnings: string[];
  /** Grouped by shared attributes: the files have no SeriesInstanceUID in common. */
  withoutSeriesUid: boolean;
}

/** Image instances grouped into series, in study → series number order. */
export function groupSeries(images: ParsedInstance[]): InstanceGroup[] {
  const { kept, copies } = withoutCopies(images);
  const byUid = new Map<string, ParsedInstance[]>();
  const orphans: ParsedInstance[] = [];
  for (const image of kept) {
    const uid = stringOf(image.dataset.SeriesInstanceUID);
    if (!uid) {
      orphans.push(image);
      continue;
    }
    byUid.set(uid, [...(byUid.get(uid) ?? []), image]);
  }
  const groups: InstanceGroup[] = [];
  // A one-file series beside other one-file series like it is most likely a slice whose UID was
  // regenerated: pool them with the files that have none.
  const singles = [...byUid.values()].filter((g) => g.length === 1 && frames(g[0]) === 1);
  const pooled = singles.length > 1 ? singles.map((g) => g[0]) : [];
  for (const group of byUid.values()) {
    if (!pooled.includes(group[0])) groups.push({ instances: group, warnings: [], withoutSeriesUid: false });
  }
  for (const group of bySharedAttributes([...orphans, ...pooled]).values()) {
    const warnings =
      group.length > 1
        ? [
            `${group.length} files without a common SeriesInstanceUID (blank, missing or different in each file) were grouped as one series because they share frame of reference, series number and description, modality, image size, orientation and pixel spacing`,
          ]
        : [];
    groups.push({ instances: group, warnings, withoutSeriesUid: group.length > 1 });
  }
  for (const group of groups) {
    const set = new Set(group.instances);
    const skipped = copies.filter((c) => set.has(c.original)).map((c) => c.copy.path);
    if (skipped.length > 0) {
      group.warnings.push(
        `skipped ${skipped.length} duplicate file(s) of instances already loaded: ${skipped.join(', ')}`,
      );
    }
  }
  const study = (g: InstanceGroup) => stringOf(g.instances[0].dataset.StudyInstanceUID) ?? '';
  const number = (g: InstanceGroup) =>
    numberOf(g.instances[0].dataset.SeriesNumber) ?? Number.MAX_SAFE_INTEGER;
  return groups.sort((a, b) => study(a).localeCompare(study(b)) || number(a) - number(b));
}

function frames(instance: ParsedInstance): number {
  return numberOf(instance.dataset.NumberOfFrames) ?? 1;
}

/**
 * The same instance twice (a copied file, a folder chosen twice) would look like two slices at one
 * position: it is set aside. Files that only share a SOPInstanceUID (an anonymiser wrote one UID into
 * every file) but lie elsewhere are different slices and are kept.
 */
function withoutCopies(images: ParsedInstance[]): {
  kept: ParsedInstance[];
  copies: { copy: ParsedInstance; original: ParsedInstance }[];
} {
  const seen = new Map<string, ParsedInstance>();
  const kept: ParsedInstance[] = [];
  const copies: { copy: ParsedInstance; original: ParsedInstance }[] = [];
  for (const image of images) {
    const sop = stringOf(image.dataset.SOPInstanceUID);
    const key = sop ? `${sop}|${stringOf(image.dataset.SeriesInstanceUID) ?? ''}|${placeOf(image)}` : '';
    const original = key ? seen.get(key) : undefined;
    if (original) {
      copies.push({ copy: image, original });
      continue;
    }
    if (key) seen.set(key, image);
    kept.push(image);
  }
  return { kept, copies };
}

/** Where the instance lies and which it is: position, instance number, frame count. */
function placeOf(image: ParsedInstance): string {
  const ds = image.dataset;
  const position = numbersOf(ds.ImagePositionPatient, 3)?.map((v) => v.toFixed(3));
  return `${position?.join(',') ?? ''}|${stringOf(ds.InstanceNumber) ?? ''}|${frames(image)}`;
}

function bySharedAttributes(images: ParsedInstance[]): Map<string, ParsedInstance[]> {
  const out = new Map<string, ParsedInstance[]>();
  for (const image of images) {
    const ds = image.dataset;
    const rounded = (value: unknown, count: number) =>
      numbersOf(value, count)
        ?.map((v) => v.toFixed(3))
        .join(',') ?? '';
    const key = [
      stringOf(ds.FrameOfReferenceUID) ?? '',
      stringOf(ds.SeriesNumber) ?? '',
      stringOf(ds.SeriesDescription) ?? stringOf(ds.ProtocolName) ?? '',
      stringOf(ds.Modality) ?? '',
      `${numberOf(ds.Rows) ?? ''}x${numberOf(ds.Columns) ?? ''}`,
      rounded(ds.ImageOrientationPatient, 6),
      rounded(ds.PixelSpacing, 2),
      // Without any of these, nothing says two files belong together: each stands alone.
      ds.FrameOfReferenceUID || ds.SeriesNumber || ds.SeriesDescription ? '' : image.path,
    ].join('|');
    out.set(key, [...(out.get(key) ?? []), image]);
  }
  return out;
}
