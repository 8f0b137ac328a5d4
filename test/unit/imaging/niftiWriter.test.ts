// The NIfTI writer: label maps and image volumes read back with their geometry (sform exact, qform
// to 1e-4 mm), types, values and modality.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Axes3, Vec3, VolumeGeometry } from '../../../src/shared/volume';
import { voxelToLps } from '../../../src/shared/volume';
import { readNifti } from '../../../src/main/services/imaging/nifti';
import { writeNiftiLabelMap, writeNiftiVolume } from '../../../src/main/services/imaging/niftiWriter';

function maxDistanceMm(a: VolumeGeometry, b: VolumeGeometry): number {
  let worst = 0;
  for (let corner = 0; corner < 8; corner++) {
    const index = [0, 1, 2].map((n) => ((corner >> n) & 1 ? a.dims[n] - 1 : 0)) as Vec3;
    const pa = voxelToLps(a, index);
    const pb = voxelToLps(b, index);
    worst = Math.max(worst, Math.hypot(pa[0] - pb[0], pa[1] - pb[1], pa[2] - pb[2]));
  }
  return worst;
}
/** Unit axes from a rotation about `axis` by `degrees`, optionally mirrored along k. */
function rotatedAxes(axis: Vec3, degrees: number, mirrorK = false): Axes3 {
  const norm = Math.hypot(...axis);
  const [x, y, z] = axis.map((v) => v / norm);
  const t = (degrees * Math.PI) / 180;
  const [c, s] = [Math.cos(t), Math.sin(t)];
  const m = [
    [c + x * x * (1 - c), x * y * (1 - c) - z * s, x * z * (1 - c) + y * s],
    [y * x * (1 - c) + z * s, c + y * y * (1 - c), y * z * (1 - c) - x * s],
    [z * x * (1 - c) - y * s, z * y * (1 - c) + x * s, c + z * z * (1 - c)],
  ];
  return [0, 1, 2].map((n) => [0, 1, 2].map((r) => m[r][n] * (mirrorK && n === 2 ? -1 : 1))) as Axes3;
}

function labelsOf(count: number, max: number): Uint16Array {
  return Uint16Array.from({ length: count }, (_, n) => (n * 7919) % (max + 1));
}

const ROTATIONS: [string, Vec3, number][] = [
  ['identity', [0, 0, 1], 0],
  ['oblique', [1, 2, 3], 25],
  ['180° about x', [1, 0, 0], 180],
  ['180° about y', [0, 1, 0], 180],
  ['180° about z', [0, 0, 1], 180],
  ['180° about x+y', [1, 1, 0], 180],
  ['170° oblique', [-2, 1, 0.5], 170],
];

describe('NIfTI writer round trip', () => {
  for (const [name, axis, degrees] of ROTATIONS) {
    for (const mirror of [false, true]) {
      it(`${name}${mirror ? ', mirrored' : ''}: sform gives the geometry to 1e-5 mm, qform to 1e-4 mm`, () => {
        const geometry: VolumeGeometry = {
          dims: [7, 5, 4],
          spacingMm: [0.75, 1.25, 3],
          originLps: [-120.5, 87.25, -33.125],
          axesLps: rotatedAxes(axis, degrees, mirror),
        };
        const labels = labelsOf(140, 300);
        const written = writeNiftiLabelMap({ ...geometry, labels });
        const { volume } = readNifti({ path: 'seg.nii.gz', bytes: written });
        expect(volume.dims).toEqual(geometry.dims);
        expect(maxDistanceMm(volume, geometry)).toBeLessThan(1e-5);
        expect(volume.voxelType).toBe('uint16');
        expect(volume.voxels).toEqual(labels);

        // Blank the sform so that the reader has to use the qform.
        const raw = new Uint8Array(gunzipSync(written));
        new DataView(raw.buffer).setInt16(254, 0, true);
        const fromQform = readNifti({ path: 'seg.nii', bytes: raw }).volume;
        expect(maxDistanceMm(fromQform, geometry)).toBeLessThan(1e-4);
      });
    }
  }

  it('writes uint8 label maps as uint8', () => {
    const labels = Uint8Array.from({ length: 24 }, (_, n) => n % 5);
    const geometry: VolumeGeometry = {
      dims: [2, 3, 4],
      spacingMm: [1, 1, 1],
      originLps: [0, 0, 0],
      axesLps: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
    };
    const { volume } = readNifti({ path: 'l.nii.gz', bytes: writeNiftiLabelMap({ ...geometry, labels }) });
    expect(volume.voxelType).toBe('uint8');
    expect(volume.voxels).toEqual(labels);
    expect(volume.modality).toBe('OT');
  });

  it('keeps a sheared grid in the sform and leaves the qform unset', () => {
    const geometry: VolumeGeometry = {
      dims: [3, 3, 3],
      spacingMm: [1, 1, 2],
      originLps: [5, 6, 7],
      axesLps: [
        [1, 0, 0],
        [Math.SQRT1_2, Math.SQRT1_2, 0],
        [0, 0, 1],
      ] as Axes3,
    };
    const written = writeNiftiLabelMap({ ...geometry, labels: new Uint8Array(27) });
    const { volume, warnings } = readNifti({ path: 'shear.nii.gz', bytes: written });
    expect(maxDistanceMm(volume, geometry)).toBeLessThan(1e-5);
    expect(warnings.join()).toMatch(/not orthogonal/);
    expect(new DataView(gunzipSync(written).buffer).getInt16(252, true)).toBe(0);
  });

  it('writes image volumes with their type, values and modality', () => {
    const geometry: VolumeGeometry = {
      dims: [4, 3, 2],
      spacingMm: [0.5, 0.5, 2.5],
      originLps: [10, -20, 30],
      axesLps: rotatedAxes([0, 1, 1], -40, true),
    };
    const ct = Int16Array.from({ length: 24 }, (_, n) => n * 100 - 1024);
    const back = readNifti({
      path: 'ct.nii.gz',
      bytes: writeNiftiVolume({ ...geometry, voxels: ct, voxelType: 'int16', modality: 'CT' }),
    });
    expect(back.volume.modality).toBe('CT');
    expect(back.warnings).toEqual([]);
    expect(back.volume.voxels).toEqual(ct);
    expect(maxDistanceMm(back.volume, geometry)).toBeLessThan(1e-5);

    const mr = Float64Array.from({ length: 24 }, (_, n) => Math.sin(n) * 1e3);
    const mrBack = readNifti({
      path: 'mr.nii.gz',
      bytes: writeNiftiVolume({ ...geometry, voxels: mr, voxelType: 'float64', modality: 'MR' }),
    }).volume;
    expect(mrBack.modality).toBe('MR');
    expect(mrBack.voxels).toEqual(mr);
  });

  it('refuses voxels that do not fill the grid', () => {
    expect(() =>
      writeNiftiLabelMap({
        dims: [2, 2, 2],
        spacingMm: [1, 1, 1],
        originLps: [0, 0, 0],
        axesLps: [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
        labels: new Uint8Array(7),
      }),
    ).toThrow(/voxel count 7/);
  });
});
