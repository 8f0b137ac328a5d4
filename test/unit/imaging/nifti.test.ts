import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { expectBadInput } from './expectBadInput';
import type { Axes3 } from '../../../src/shared/volume';
import { readNifti } from '../../../src/main/services/imaging/nifti';
import { encodeSamples, nifti1, type SampleType } from './niftiFixtures';

const sharedData = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/data');

const int16Cube = (values: number[] = [0, 1, 2, 3, 4, 5, 6, 7], le = true) =>
  encodeSamples('int16', values, le);

/** Numbers compared to 1e-9, blind to the sign of zero. */
function expectNear(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, r) => row.forEach((v, c) => expect(Math.abs(v - expected[r][c])).toBeLessThan(1e-9)));
}

describe('readNifti on the sample study', () => {
  it('loads example_ct.nii.gz as a 122×101×112 CT at 3 mm', () => {
    const path = resolve(sharedData, 'totalsegmentator/example_ct.nii.gz');
    expect(existsSync(path)).toBe(true);
    const { volume, warnings } = readNifti({ path, bytes: readFileSync(path) });
    expect(volume.modality).toBe('CT');
    expect(volume.dims).toEqual([122, 101, 112]);
    volume.spacingMm.forEach((s) => expect(s).toBeCloseTo(3, 6));
    expect(volume.voxelType).toBe('int32');
    expect(warnings.join('\n')).toMatch(/Hounsfield/);
  });

  it('does not call an MR image CT', () => {
    const path = resolve(sharedData, 'niivue/FLAIR.nii.gz');
    const { volume } = readNifti({ path, bytes: readFileSync(path) });
    expect(volume.modality).toBe('OT');
    expect(volume.dims).toEqual([124, 160, 140]);
  });
});

describe('readNifti geometry', () => {
  it('prefers the sform and converts RAS to LPS', () => {
    const bytes = nifti1({
      dim: [3, 2, 2, 2],
      datatype: 4,
      data: int16Cube(),
      sform: [
        [0, 0, -2, 10],
        [1.5, 0, 0, 20],
        [0, 3, 0, 30],
      ],
      qform: { quatern: [0, 0, 1], offset: [99, 99, 99] },
    });
    const { volume, warnings } = readNifti({ path: 'a.nii', bytes });
    expect(volume.originLps).toEqual([-10, -20, 30]);
    expect(volume.spacingMm).toEqual([1.5, 3, 2]);
    expectNear(volume.axesLps, [
      [0, -1, 0],
      [0, 0, 1],
      [1, 0, 0],
    ]);
    expect(warnings).toEqual([]);
  });

  it('uses the qform quaternion with qfac when there is no sform', () => {
    // 90° about z: RAS i→(0,1,0), j→(-1,0,0); qfac -1 flips k.
    const bytes = nifti1({
      dim: [3, 2, 2, 2],
      datatype: 4,
      data: int16Cube(),
      pixdim: [-1, 0.5, 0.25, 4],
      qform: { quatern: [0, 0, Math.SQRT1_2], offset: [1, 2, 3] },
    });
    const { volume } = readNifti({ path: 'q.nii', bytes });
    expect(volume.originLps).toEqual([-1, -2, 3]);
    volume.spacingMm.forEach((s, n) => expect(s).toBeCloseTo([0.5, 0.25, 4][n], 6));
    const expected: Axes3 = [
      [0, -1, 0],
      [1, 0, 0],
      [0, 0, -1],
    ];
    volume.axesLps.forEach((axis, n) => axis.forEach((v, c) => expect(v).toBeCloseTo(expected[n][c], 6)));
  });

  it('falls back to pixdim with a warning when neither transform is set', () => {
    const bytes = nifti1({ dim: [3, 2, 2, 2], datatype: 4, data: int16Cube(), pixdim: [1, 2, 3, 4] });
    const { volume, warnings } = readNifti({ path: 'p.nii', bytes });
    expect(volume.spacingMm).toEqual([2, 3, 4]);
    expectNear(volume.axesLps, [
      [-1, 0, 0],
      [0, -1, 0],
      [0, 0, 1],
    ]);
    expect(warnings.join()).toMatch(/no sform or qform/);
  });

  it('converts metres to millimetres', () => {
    const bytes = nifti1({
      dim: [3, 2, 2, 2],
      datatype: 4,
      data: int16Cube(),
      units: 1,
      sform: [
        [0.001, 0, 0, 0.1],
        [0, 0.002, 0, 0],
        [0, 0, 0.003, 0],
      ],
    });
    const { volume } = readNifti({ path: 'm.nii', bytes });
    volume.spacingMm.forEach((s, n) => expect(s).toBeCloseTo(n + 1, 4));
    expect(volume.originLps[0]).toBeCloseTo(-100, 3);
  });

  it('reads big-endian files and keeps the first volume of a 4-D image', () => {
    const values = [...Array(16).keys()].map((v) => v * 100 - 700);
    const bytes = nifti1({
      dim: [4, 2, 2, 2, 2],
      datatype: 4,
      data: encodeSamples('int16', values, false),
      littleEndian: false,
      sform: [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
      ],
    });
    const { volume, warnings } = readNifti({ path: 'be.nii', bytes });
    expect(Array.from(volume.voxels)).toEqual(values.slice(0, 8));
    expect(volume.dims).toEqual([2, 2, 2]);
    expect(warnings.join()).toMatch(/2 volumes; showing the first/);
  });

  it('accepts a 2-D image as one slice', () => {
    const bytes = nifti1({ dim: [2, 2, 3], datatype: 2, data: new Uint8Array(6), pixdim: [1, 1, 1, 0] });
    expect(readNifti({ path: 'flat.nii', bytes }).volume.dims).toEqual([2, 3, 1]);
  });
});

describe('readNifti scaling and modality', () => {
  const scaled = (datatype: number, type: SampleType, values: number[], slope: number, inter: number) =>
    readNifti({
      path: 's.nii',
      bytes: nifti1({
        dim: [3, values.length, 1, 1],
        datatype,
        data: encodeSamples(type, values),
        slope,
        inter,
      }),
    }).volume;

  it('keeps stored values when slope is 0 or NaN or the identity', () => {
    for (const slope of [0, NaN, 1]) {
      const volume = scaled(4, 'int16', [-5, 7], slope, 0);
      expect(volume.voxelType).toBe('int16');
      expect(Array.from(volume.voxels)).toEqual([-5, 7]);
    }
  });

  it('stores integral scaling in the narrowest exact integer type', () => {
    expect(scaled(512, 'uint16', [0, 3000], 1, -1024).voxelType).toBe('int16');
    expect(Array.from(scaled(512, 'uint16', [0, 3000], 1, -1024).voxels)).toEqual([-1024, 1976]);
    expect(scaled(2, 'uint8', [0, 200], 2, 0).voxelType).toBe('uint16');
    expect(scaled(2, 'uint8', [0, 100], 2, 0).voxelType).toBe('uint8');
    expect(scaled(2, 'uint8', [0, 255], -1, 0).voxelType).toBe('int16');
    expect(scaled(2, 'uint8', [0, 100], -1, 0).voxelType).toBe('int8');
    expect(scaled(8, 'int32', [-2e9, 2e9], 2, 0).voxelType).toBe('float64');
  });

  it('stores fractional scaling as float32', () => {
    const volume = scaled(4, 'int16', [1, 3], 0.5, 0.25);
    expect(volume.voxelType).toBe('float32');
    expect(Array.from(volume.voxels)).toEqual([0.75, 1.75]);
  });

  it('takes the modality from descrip only when it names one', () => {
    const withDescrip = (descrip: string) =>
      readNifti({
        path: 'd.nii',
        bytes: nifti1({ dim: [3, 2, 2, 2], datatype: 4, data: int16Cube(), descrip }),
      }).volume.modality;
    expect(withDescrip('CT chest')).toBe('CT');
    expect(withDescrip('MRI T1')).toBe('MR');
    expect(withDescrip('CT registered to MR')).toBe('OT');
    expect(withDescrip('spm - realigned')).toBe('OT');
  });

  it('calls an integer image CT only when it spans air to bone', () => {
    const modality = (values: number[]) => scaled(4, 'int16', values, 0, 0).modality;
    expect(modality([-1000, 1200])).toBe('CT');
    expect(modality([-800, 1200])).toBe('OT');
    expect(modality([-1000, 400])).toBe('OT');
    expect(scaled(16, 'float32', [-1000, 1200], 0, 0).modality).toBe('OT');
  });
});

describe('readNifti rejects bad input', () => {
  const good = nifti1({ dim: [3, 2, 2, 2], datatype: 4, data: int16Cube() });

  it('truncated gzip', () => {
    const zipped = gzipSync(good);
    expectBadInput(
      () => readNifti({ path: 'cut.nii.gz', bytes: zipped.subarray(0, zipped.length - 10) }),
      'cut.nii.gz',
      /gzip .*truncated or corrupt/,
    );
  });

  it('corrupt gzip', () => {
    const zipped = new Uint8Array(gzipSync(good));
    zipped.fill(0xff, 12, zipped.length - 8);
    expectBadInput(
      () => readNifti({ path: 'bad.nii.gz', bytes: zipped }),
      'bad.nii.gz',
      /truncated or corrupt/,
    );
  });

  it('wrong magic', () => {
    const notNifti = new TextEncoder().encode('NRRD0004\n'.padEnd(400, 'x'));
    expectBadInput(() => readNifti({ path: 'x.nii', bytes: notNifti }), 'x.nii', /not a NIfTI file/);
    const analyze = nifti1({ dim: [3, 2, 2, 2], datatype: 4, data: int16Cube(), magic: '\0\0\0\0' });
    expectBadInput(() => readNifti({ path: 'a.nii', bytes: analyze }), 'a.nii', /no n\+1 magic/);
    const pair = nifti1({ dim: [3, 2, 2, 2], datatype: 4, data: int16Cube(), magic: 'ni1\0' });
    expectBadInput(() => readNifti({ path: 'p.hdr', bytes: pair }), 'p.hdr', /\.hdr\/\.img pair/);
    expectBadInput(() => readNifti({ path: 's.nii', bytes: new Uint8Array(20) }), 's.nii', /only 20 bytes/);
  });

  it('data shorter than the dimensions', () => {
    expectBadInput(
      () => readNifti({ path: 'short.nii', bytes: good.subarray(0, good.length - 1) }),
      'short.nii',
      /data is shorter .*367 bytes, 368 needed/,
    );
  });

  it('bad dimensions', () => {
    const bytes = nifti1({ dim: [3, 2, 0, 2], datatype: 4, data: int16Cube() });
    expectBadInput(() => readNifti({ path: 'd.nii', bytes }), 'd.nii', /dim\[2\] is 0/);
  });

  it('zero or negative spacing', () => {
    for (const pixdim of [
      [1, 1, 0, 1],
      [1, 1, 1, -2],
    ]) {
      const bytes = nifti1({ dim: [3, 2, 2, 2], datatype: 4, data: int16Cube(), pixdim });
      expectBadInput(
        () => readNifti({ path: 'z.nii', bytes }),
        'z.nii',
        /pixdim\[\d\] is .*must be positive/,
      );
    }
    const zeroColumn = nifti1({
      dim: [3, 2, 2, 2],
      datatype: 4,
      data: int16Cube(),
      sform: [
        [1, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 1, 0],
      ],
    });
    expectBadInput(
      () => readNifti({ path: 'c.nii', bytes: zeroColumn }),
      'c.nii',
      /spacing along axis 1 is zero/,
    );
    const parallel = nifti1({
      dim: [3, 2, 2, 2],
      datatype: 4,
      data: int16Cube(),
      sform: [
        [1, 2, 0, 0],
        [1, 2, 0, 0],
        [0, 0, 1, 0],
      ],
    });
    expectBadInput(() => readNifti({ path: 'p.nii', bytes: parallel }), 'p.nii', /degenerate/);
  });

  it('unsupported datatypes', () => {
    const cases: [number, RegExp][] = [
      [128, /unsupported NIfTI datatype RGB24/],
      [32, /unsupported NIfTI datatype complex64/],
      [1024, /unsupported NIfTI datatype int64/],
      [9999, /unknown NIfTI datatype code 9999/],
    ];
    for (const [datatype, problem] of cases) {
      const bytes = nifti1({ dim: [3, 2, 2, 2], datatype, data: new Uint8Array(8 * 16) });
      expectBadInput(() => readNifti({ path: 't.nii', bytes }), 't.nii', problem);
    }
  });
});

describe('readNifti memory', () => {
  // 128 KiB of int16: above the size below which samples are always copied.
  const values = Array.from({ length: 64 * 64 * 16 }, (_, n) => (n % 3000) - 1000);

  it('reads a large uncompressed volume in place, without a second copy of its voxels', () => {
    const bytes = nifti1({ dim: [3, 64, 64, 16, 1, 1, 1, 1], datatype: 4, data: int16Cube(values) });
    const { volume } = readNifti({ path: 'big.nii', bytes });
    expect(volume.voxels.buffer).toBe(bytes.buffer);
    expect(volume.voxels.byteOffset).toBe(352);
    expect(Array.from(volume.voxels.subarray(0, 5))).toEqual(values.slice(0, 5));
  });

  it('still copies (and swaps) voxels stored big-endian, and small volumes', () => {
    const big = nifti1({
      dim: [3, 64, 64, 16, 1, 1, 1, 1],
      datatype: 4,
      data: int16Cube(values, false),
      littleEndian: false,
    });
    const swapped = readNifti({ path: 'be.nii', bytes: big }).volume.voxels;
    expect(swapped.buffer).not.toBe(big.buffer);
    expect(Array.from(swapped.subarray(0, 5))).toEqual(values.slice(0, 5));
    const small = nifti1({ dim: [3, 2, 2, 2, 1, 1, 1, 1], datatype: 4, data: int16Cube() });
    expect(readNifti({ path: 'small.nii', bytes: small }).volume.voxels.buffer).not.toBe(small.buffer);
  });
});
