import { it } from 'vitest';
import { writeDicomSeg } from '../../../src/main/services/imaging/dicom/segWriter';
import type { LoadedSeries } from '../../../src/main/services/imaging/types';
import type { Vec3 } from '../../../src/shared/volume';

it('bench', () => {
  const dims: Vec3 = [512, 512, 600];
  const n = dims[0] * dims[1] * dims[2];
  const g = { dims, spacingMm: [0.8, 0.8, 1.5] as Vec3, originLps: [0, 0, 0] as Vec3, axesLps: [[1,0,0],[0,1,0],[0,0,1]] as [Vec3,Vec3,Vec3] };
  const layer = new Uint8Array(n);
  const segments = [];
  for (let s = 1; s <= 100; s++) {
    const i0 = (s * 37) % 400, j0 = (s * 53) % 400, k0 = (s * 7) % 500;
    for (let k = k0; k < k0 + 60; k++) for (let j = j0; j < j0 + 60; j++) for (let i = i0; i < i0 + 60; i++) layer[i + 512 * (j + 512 * k)] = s;
    segments.push({ value: s, layer: 0, name: `seg ${s}`, colorRgb: [s, 2 * s, 3 * s] as Vec3 });
  }
  const source: LoadedSeries = {
    volume: { ...g, voxelType: 'int16', voxels: new Int16Array(1), modality: 'CT' },
    description: 'b', path: '/b', files: [], warnings: [],
    dicom: { studyInstanceUid: '2.25.1', seriesInstanceUid: '2.25.2', frameOfReferenceUid: '2.25.3',
      slices: Array.from({ length: 600 }, (_, k) => ({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: `1.3.6.1.4.1.14519.5.2.1.2756547161024693615786871151481${100000 + k}` })), patientStudy: {} },
  };
  const t = performance.now();
  const bytes = writeDicomSeg({ ...g, layers: [layer], segments }, source);
  console.log(`write ${(performance.now() - t).toFixed(0)} ms, ${(bytes.length / 1e6).toFixed(1)} MB`);
}, 600_000);
