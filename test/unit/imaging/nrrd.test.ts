import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { expectBadInput } from './expectBadInput';
import { BadInputError } from '../../../src/main/services/imaging/errors';
import { readNrrd } from '../../../src/main/services/imaging/nrrd';

const sharedData = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/data');

const ascii = (text: string) => new TextEncoder().encode(text);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A NRRD header from field lines; attached data follows the blank line when given. */
function nrrd(fields: string[], data?: Uint8Array): Uint8Array {
  const header = ascii(['NRRD0004', '# test file', ...fields].join('\n') + '\n');
  return data ? concat(header, ascii('\n'), data) : header;
}

function int16s(values: number[], littleEndian = true): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  values.forEach((v, n) => view.setInt16(2 * n, v, littleEndian));
  return out;
}

const EIGHT = [0, 1, 2, 3, 4, 5, 6, 7];
const LPS_2X2X2 = [
  'dimension: 3',
  'space: left-posterior-superior',
  'sizes: 2 2 2',
  'space directions: (1,0,0) (0,1,0) (0,0,1)',
  'space origin: (0,0,0)',
];

function expectNear(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, n) => expect(Math.abs(v - expected[n])).toBeLessThan(1e-9));
}

describe('readNrrd on the sample data', () => {
  it('reads the pyradiomics breast image', () => {
    const path = resolve(sharedData, 'pyradiomics/breast1_image.nrrd');
    expect(existsSync(path)).toBe(true);
    const { volume, warnings } = readNrrd({ path, bytes: readFileSync(path) });
    expect(volume.dims).toEqual([45, 120, 21]);
    expectNear(volume.spacingMm, [0.664062, 0.664062, 2.1]);
    expectNear(volume.originLps, [-116.54304, -48.14465400000001, 9.4500000000000295]);
    expect(volume.voxelType).toBe('int16');
    expect(volume.modality).toBe('OT');
    expect(warnings).toEqual([]);
  });
});

describe('readNrrd', () => {
  it('converts RAS directions and origin to LPS', () => {
    const bytes = nrrd(
      [
        'type: short',
        'dimension: 3',
        'space: RAS',
        'sizes: 2 2 2',
        'space directions: (0,2,0) (-1.5,0,0) (0,0,3)',
        'space origin: (10,20,30)',
        'endian: little',
        'encoding: raw',
        'kinds: domain domain domain',
      ],
      int16s(EIGHT),
    );
    const { volume } = readNrrd({ path: 'ras.nrrd', bytes });
    expectNear(volume.originLps, [-10, -20, 30]);
    expectNear(volume.spacingMm, [2, 1.5, 3]);
    volume.axesLps.forEach((axis, n) =>
      expectNear(
        axis,
        [
          [0, -1, 0],
          [1, 0, 0],
          [0, 0, 1],
        ][n],
      ),
    );
    expect(Array.from(volume.voxels)).toEqual(EIGHT);
  });

  it('understands every common type name', () => {
    const cases: [string, string, number][] = [
      ['signed char', 'int8', 1],
      ['int8_t', 'int8', 1],
      ['uchar', 'uint8', 1],
      ['unsigned char', 'uint8', 1],
      ['short', 'int16', 2],
      ['short int', 'int16', 2],
      ['signed short int', 'int16', 2],
      ['int16', 'int16', 2],
      ['ushort', 'uint16', 2],
      ['unsigned short', 'uint16', 2],
      ['uint16_t', 'uint16', 2],
      ['int', 'int32', 4],
      ['signed int', 'int32', 4],
      ['uint', 'uint32', 4],
      ['unsigned int', 'uint32', 4],
      ['float', 'float32', 4],
      ['double', 'float64', 8],
    ];
    for (const [name, voxelType, size] of cases) {
      const bytes = nrrd(
        [`type: ${name}`, ...LPS_2X2X2, 'endian: little', 'encoding: raw'],
        new Uint8Array(8 * size),
      );
      expect(readNrrd({ path: 't.nrrd', bytes }).volume.voxelType, name).toBe(voxelType);
    }
  });

  it('reads big-endian gzip data, with gz as the encoding alias', () => {
    const values = [-1000, 2, -3, 4, 500, -6, 7, 30000];
    for (const encoding of ['gzip', 'gz']) {
      const bytes = nrrd(
        ['type: short', ...LPS_2X2X2, 'endian: big', `encoding: ${encoding}`],
        gzipSync(int16s(values, false)),
      );
      expect(Array.from(readNrrd({ path: 'be.nrrd', bytes }).volume.voxels)).toEqual(values);
    }
  });

  it('reads ASCII data', () => {
    const bytes = nrrd(['type: float', ...LPS_2X2X2, 'encoding: ascii'], ascii('0.5 1 2\n3 4 5\n6 7.25\n'));
    expect(Array.from(readNrrd({ path: 'a.nrrd', bytes }).volume.voxels)).toEqual([
      0.5, 1, 2, 3, 4, 5, 6, 7.25,
    ]);
  });

  it('reads a detached data file with line skip and byte skip', () => {
    const header = nrrd([
      'type: short',
      ...LPS_2X2X2,
      'endian: little',
      'encoding: raw',
      'line skip: 2',
      'byte skip: 3',
      'data file: sub/data.raw',
    ]);
    const data = concat(ascii('first line\nsecond\n'), new Uint8Array([9, 9, 9]), int16s(EIGHT));
    const asked: string[] = [];
    const { volume } = readNrrd({ path: 'dir/h.nhdr', bytes: header }, (name) => {
      asked.push(name);
      return data;
    });
    expect(asked).toEqual(['sub/data.raw']);
    expect(Array.from(volume.voxels)).toEqual(EIGHT);
  });

  it('takes raw data from the end of the file for byte skip -1', () => {
    const bytes = nrrd(
      ['type: short', ...LPS_2X2X2, 'endian: little', 'encoding: raw', 'byte skip: -1'],
      concat(ascii('junk'), int16s(EIGHT)),
    );
    expect(Array.from(readNrrd({ path: 'e.nrrd', bytes }).volume.voxels)).toEqual(EIGHT);
  });

  it('skips bytes inside the decompressed stream for gzip', () => {
    const bytes = nrrd(
      ['type: short', ...LPS_2X2X2, 'endian: little', 'encoding: gzip', 'byte skip: 4'],
      gzipSync(concat(new Uint8Array(4).fill(0xee), int16s(EIGHT))),
    );
    expect(Array.from(readNrrd({ path: 'g.nrrd', bytes }).volume.voxels)).toEqual(EIGHT);
  });

  it('warns when the space is scanner-xyz and when there is no space at all', () => {
    const scanner = nrrd(
      [
        'type: uchar',
        'dimension: 3',
        'space: scanner-xyz',
        'sizes: 2 2 2',
        'space directions: (1,0,0) (0,1,0) (0,0,1)',
        'encoding: raw',
      ],
      new Uint8Array(8),
    );
    const { warnings } = readNrrd({ path: 's.nrrd', bytes: scanner });
    expect(warnings.join()).toMatch(/scanner-xyz/);
    expect(warnings.join()).toMatch(/no space origin/);

    const bare = nrrd(
      ['type: uchar', 'dimension: 3', 'sizes: 2 2 2', 'spacings: 0.5 0.5 2', 'encoding: raw'],
      new Uint8Array(8),
    );
    const plain = readNrrd({ path: 'b.nrrd', bytes: bare });
    expect(plain.volume.spacingMm).toEqual([0.5, 0.5, 2]);
    expect(plain.warnings.join()).toMatch(/no space directions/);
  });

  it('keeps the first component of a vector image, with a warning', () => {
    const values = [...Array(24).keys()];
    const bytes = nrrd(
      [
        'type: short',
        'dimension: 4',
        'space: LPS',
        'sizes: 3 2 2 2',
        'space directions: none (1,0,0) (0,1,0) (0,0,1)',
        'kinds: RGB-color domain domain domain',
        'endian: little',
        'encoding: raw',
      ],
      int16s(values),
    );
    const { volume, warnings } = readNrrd({ path: 'rgb.nrrd', bytes });
    expect(volume.dims).toEqual([2, 2, 2]);
    expect(Array.from(volume.voxels)).toEqual([0, 3, 6, 9, 12, 15, 18, 21]);
    expect(warnings.join()).toMatch(/3 along axis 0 \(RGB-color\); showing the first component/);
  });

  it('converts space units to millimetres', () => {
    const bytes = nrrd(
      ['type: uchar', ...LPS_2X2X2, 'space units: "cm" "cm" "cm"', 'encoding: raw'],
      new Uint8Array(8),
    );
    expect(readNrrd({ path: 'cm.nrrd', bytes }).volume.spacingMm).toEqual([10, 10, 10]);
  });

  it('reads a 2-D image as one slice normal to its plane', () => {
    const bytes = nrrd(
      [
        'type: uchar',
        'dimension: 2',
        'space: LPS',
        'sizes: 3 2',
        'space directions: (0,0.5,0) (0,0,2)',
        'space origin: (1,2,3)',
        'encoding: raw',
      ],
      new Uint8Array(6),
    );
    const { volume } = readNrrd({ path: 'flat.nrrd', bytes });
    expect(volume.dims).toEqual([3, 2, 1]);
    expectNear(volume.axesLps[2], [1, 0, 0]);
  });

  it('uses the content field as the description', () => {
    const bytes = nrrd(
      ['type: uchar', ...LPS_2X2X2, 'encoding: raw', 'content: breast DCE'],
      new Uint8Array(8),
    );
    expect(readNrrd({ path: 'c.nrrd', bytes }).description).toBe('breast DCE');
  });
});

describe('readNrrd rejects bad input', () => {
  const header = ['type: short', ...LPS_2X2X2, 'endian: little'];

  it('wrong magic', () => {
    expectBadInput(
      () => readNrrd({ path: 'x.nrrd', bytes: ascii('NIFTI\nfoo: bar\n\n') }),
      'x.nrrd',
      /not a NRRD file/,
    );
    expectBadInput(() => readNrrd({ path: 'e.nrrd', bytes: new Uint8Array(0) }), 'e.nrrd', /not a NRRD file/);
  });

  it('truncated and corrupt gzip', () => {
    const zipped = gzipSync(int16s(EIGHT));
    const cut = nrrd([...header, 'encoding: gzip'], zipped.subarray(0, zipped.length - 6));
    expectBadInput(
      () => readNrrd({ path: 'cut.nrrd', bytes: cut }),
      'cut.nrrd',
      /gzip data .*truncated or corrupt/,
    );
    const damaged = new Uint8Array(zipped);
    damaged.fill(0xff, 10, damaged.length - 8);
    const bad = nrrd([...header, 'encoding: gzip'], damaged);
    expectBadInput(() => readNrrd({ path: 'bad.nrrd', bytes: bad }), 'bad.nrrd', /truncated or corrupt/);
    const plain = nrrd([...header, 'encoding: gzip'], int16s(EIGHT));
    expectBadInput(() => readNrrd({ path: 'p.nrrd', bytes: plain }), 'p.nrrd', /not gzip-compressed/);
  });

  it('data shorter than the sizes', () => {
    const raw = nrrd([...header, 'encoding: raw'], int16s(EIGHT.slice(1)));
    expectBadInput(() => readNrrd({ path: 'r.nrrd', bytes: raw }), 'r.nrrd', /shorter .*14 bytes, 16 needed/);
    const zipped = nrrd([...header, 'encoding: gzip'], gzipSync(int16s(EIGHT.slice(2))));
    expectBadInput(
      () => readNrrd({ path: 'z.nrrd', bytes: zipped }),
      'z.nrrd',
      /shorter .*12 bytes, 16 needed/,
    );
    const text = nrrd(['type: short', ...LPS_2X2X2, 'encoding: text'], ascii('1 2 3'));
    expectBadInput(() => readNrrd({ path: 't.nrrd', bytes: text }), 't.nrrd', /fewer than the 8 numbers/);
  });

  it('zero-length or degenerate space directions', () => {
    const withDirections = (directions: string) =>
      nrrd(
        [
          'type: short',
          'dimension: 3',
          'space: LPS',
          'sizes: 2 2 2',
          `space directions: ${directions}`,
          'endian: little',
          'encoding: raw',
        ],
        int16s(EIGHT),
      );
    expectBadInput(
      () => readNrrd({ path: 'z.nrrd', bytes: withDirections('(1,0,0) (0,0,0) (0,0,1)') }),
      'z.nrrd',
      /spacing along axis 1 is zero/,
    );
    expectBadInput(
      () => readNrrd({ path: 'p.nrrd', bytes: withDirections('(1,0,0) (2,0,0) (0,0,1)') }),
      'p.nrrd',
      /degenerate/,
    );
    expectBadInput(
      () => readNrrd({ path: 'n.nrrd', bytes: withDirections('(1,0,0) (0,1,0)') }),
      'n.nrrd',
      /2 entries for 3 axes/,
    );
  });

  it('unsupported types and encodings', () => {
    const typed = (type: string) =>
      nrrd([`type: ${type}`, ...LPS_2X2X2, 'encoding: raw'], new Uint8Array(64));
    expectBadInput(
      () => readNrrd({ path: 'l.nrrd', bytes: typed('long long') }),
      'l.nrrd',
      /unsupported NRRD type/,
    );
    expectBadInput(
      () => readNrrd({ path: 'b.nrrd', bytes: typed('block') }),
      'b.nrrd',
      /unsupported NRRD type/,
    );
    expectBadInput(
      () => readNrrd({ path: 'q.nrrd', bytes: typed('quaternion') }),
      'q.nrrd',
      /unknown NRRD type/,
    );
    const bzip = nrrd([...header, 'encoding: bzip2'], new Uint8Array(16));
    expectBadInput(
      () => readNrrd({ path: 'bz.nrrd', bytes: bzip }),
      'bz.nrrd',
      /unsupported NRRD encoding "bzip2"/,
    );
  });

  it('malformed headers', () => {
    const noEndian = nrrd(['type: short', ...LPS_2X2X2, 'encoding: raw'], int16s(EIGHT));
    expectBadInput(() => readNrrd({ path: 'e.nrrd', bytes: noEndian }), 'e.nrrd', /needs "endian/);
    const sizes = nrrd(['type: short', 'dimension: 3', 'sizes: 2 2', 'encoding: raw'], int16s(EIGHT));
    expectBadInput(
      () => readNrrd({ path: 's.nrrd', bytes: sizes }),
      's.nrrd',
      /lists 2 axes but "dimension" is 3/,
    );
    const garbage = nrrd(['type short'], int16s(EIGHT));
    expectBadInput(
      () => readNrrd({ path: 'g.nrrd', bytes: garbage }),
      'g.nrrd',
      /line 3 is not a "field: value"/,
    );
    const space = nrrd(
      ['type: short', ...LPS_2X2X2, 'encoding: raw'].map((l) =>
        l.replace('left-posterior-superior', 'left-posterior-superior-time'),
      ),
    );
    expectBadInput(() => readNrrd({ path: 't.nrrd', bytes: space }), 't.nrrd', /unsupported NRRD space/);
    const spaceless = nrrd(
      ['type: short', ...LPS_2X2X2, 'encoding: raw'].filter((l) => !l.startsWith('space:')),
    );
    expectBadInput(
      () => readNrrd({ path: 'n.nrrd', bytes: spaceless }),
      'n.nrrd',
      /space directions but no space/,
    );
    const mixed = nrrd(['type: uchar', ...LPS_2X2X2, 'space units: "mm" "cm" "mm"', 'encoding: raw']);
    expectBadInput(() => readNrrd({ path: 'u.nrrd', bytes: mixed }), 'u.nrrd', /mixed space units/);
  });

  it('detached data it cannot read', () => {
    const detached = nrrd([...header, 'encoding: raw', 'data file: d.raw']);
    expectBadInput(
      () => readNrrd({ path: 'h.nhdr', bytes: detached }),
      'h.nhdr',
      /detached data file "d.raw"/,
    );
    expectBadInput(
      () =>
        readNrrd({ path: 'h.nhdr', bytes: detached }, () => {
          throw new Error('ENOENT');
        }),
      'h.nhdr',
      /cannot read detached data file "d.raw" \(ENOENT\)/,
    );
    expectBadInput(
      () =>
        readNrrd({ path: 'h.nhdr', bytes: detached }, () => {
          throw new BadInputError('h.nhdr', 'its data file "d.raw" is missing');
        }),
      'h.nhdr',
      /^its data file "d.raw" is missing$/,
    );
    const list = nrrd([...header, 'encoding: raw', 'data file: LIST']);
    expectBadInput(
      () => readNrrd({ path: 'l.nhdr', bytes: list }, () => new Uint8Array(0)),
      'l.nhdr',
      /multi-file/,
    );
    const pattern = nrrd([...header, 'encoding: raw', 'data file: slice%03d.raw 1 2 1 2']);
    expectBadInput(
      () => readNrrd({ path: 'f.nhdr', bytes: pattern }, () => new Uint8Array(0)),
      'f.nhdr',
      /multi-file/,
    );
    const headerOnly = nrrd([...header, 'encoding: raw']);
    expectBadInput(() => readNrrd({ path: 'o.nhdr', bytes: headerOnly }), 'o.nhdr', /no data/);
  });
});
