// A NIfTI converted by dcm2niix comes with a JSON sidecar saying what the header cannot: the
// modality. The real ukat MR (Philips, coronal) has one; read alone, its NIfTI says nothing.
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPaths } from '../../../src/main/services/imaging/load';
import { sidecarName } from '../../../src/main/services/imaging/bidsSidecar';
import { requireData, sharedData, sharedFile } from '../requireData';

const path = join(
  sharedData,
  'ukat-mr-kidneys',
  'philips_01',
  '01001__B0_map_expiration_volume_2DMS_product_auto_e1.nii.gz',
);

describe('BIDS / dcm2niix JSON sidecars', () => {
  requireData(sharedFile(path));

  it('names the sidecar of .nii and .nii.gz files only', () => {
    expect(sidecarName('/a/scan.nii.gz')).toBe('/a/scan.json');
    expect(sidecarName('scan.NII')).toBe('scan.json');
    expect(sidecarName('scan.nrrd')).toBeNull();
  });

  it('reads the modality from the sidecar beside a NIfTI opened alone', async () => {
    const loaded = await loadPaths([path]);
    expect(loaded.errors).toEqual([]);
    expect(loaded.series[0].volume.modality).toBe('MR');
  });

  it('takes the sidecar with its NIfTI when the folder is opened (no "not an image" error)', async () => {
    const loaded = await loadPaths([dirname(path)]);
    expect(loaded.errors).toEqual([]);
    const image = loaded.series.find((s) => s.path === path)!;
    expect(image.volume.modality).toBe('MR');
    // The ROI masks beside it have no sidecar of their own: still read, modality unknown.
    expect(loaded.series.filter((s) => s.path !== path).map((s) => s.volume.modality)).toEqual(['OT', 'OT']);
  });

  it('without a sidecar the same file does not say MR; a broken sidecar is named and the image still loads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sidecar-'));
    const copy = join(dir, basename(path));
    await copyFile(path, copy);
    expect((await loadPaths([copy])).series[0].volume.modality).toBe('OT');
    await writeFile(sidecarName(copy)!, '{"Modality": "MR",');
    const loaded = await loadPaths([copy]);
    expect(loaded.series[0].volume.modality).toBe('OT');
    expect(loaded.series[0].warnings).toContain(
      `${sidecarName(copy)!}: the JSON sidecar is not valid JSON; its modality is not used`,
    );
  });
});
