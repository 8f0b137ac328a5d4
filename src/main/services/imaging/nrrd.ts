// NRRD reader (.nrrd with attached data, .nhdr with one detached data file): bytes in, an LPS Volume out.
import type { Vec3, VoxelArray, VoxelType } from '../../../shared/volume';
import { voxelArrayConstructors } from '../../../shared/volume';
import { BadInputError } from './errors';
import {
  BYTES_PER_VOXEL,
  baseName,
  decodeSamples,
  geometryFromColumns,
  guessModality,
  gunzipInput,
  isGzip,
} from './voxelData';
import type { InputFile, LoadedSeries } from './types';

const TYPE_ALIASES: [VoxelType, string[]][] = [
  ['int8', ['signed char', 'int8', 'int8_t']],
  ['uint8', ['uchar', 'unsigned char', 'uint8', 'uint8_t']],
  ['int16', ['short', 'short int', 'signed short', 'signed short int', 'int16', 'int16_t']],
  ['uint16', ['ushort', 'unsigned short', 'unsigned short int', 'uint16', 'uint16_t']],
  ['int32', ['int', 'signed int', 'int32', 'int32_t']],
  ['uint32', ['uint', 'unsigned int', 'uint32', 'uint32_t']],
  ['float32', ['float']],
  ['float64', ['double']],
];
const UNSUPPORTED_TYPES = [
  'longlong',
  'long long',
  'long long int',
  'signed long long',
  'signed long long int',
  'int64',
  'int64_t',
  'ulonglong',
  'unsigned long long',
  'unsigned long long int',
  'uint64',
  'uint64_t',
  'block',
];

/** Multiplying a coordinate in the named space by these signs gives LPS. */
const SPACES: Record<string, { toLps: Vec3; warning?: string }> = {
  'left-posterior-superior': { toLps: [1, 1, 1] },
  lps: { toLps: [1, 1, 1] },
  'right-anterior-superior': { toLps: [-1, -1, 1] },
  ras: { toLps: [-1, -1, 1] },
  'left-anterior-superior': { toLps: [1, -1, 1] },
  las: { toLps: [1, -1, 1] },
  'scanner-xyz': {
    toLps: [1, 1, 1],
    warning: 'space is scanner-xyz: coordinates assumed to be DICOM patient LPS',
  },
  '3d-right-handed': {
    toLps: [1, 1, 1],
    warning: 'space is 3D-right-handed: coordinates assumed to be patient LPS',
  },
};

const UNITS_TO_MM: Record<string, number> = { mm: 1, '': 1, cm: 10, m: 1000, um: 1e-3, µm: 1e-3 };

interface NrrdHeader {
  fields: Map<string, string>;
  /** Offset of the first byte after the blank line that ends the header; null when there is none. */
  dataStart: number | null;
}

function parseHeader(path: string, bytes: Uint8Array): NrrdHeader {
  const decoder = new TextDecoder('latin1');
  const fields = new Map<string, string>();
  let pos = 0;
  let lineNumber = 0;
  while (pos < bytes.length) {
    const newline = bytes.indexOf(0x0a, pos);
    const end = newline < 0 ? bytes.length : newline;
    const line = decoder.decode(bytes.subarray(pos, end)).replace(/\r$/, '');
    pos = end + 1;
    lineNumber++;
    if (lineNumber === 1) {
      if (!/^NRRD000\d$/.test(line)) throw new BadInputError(path, 'not a NRRD file (no NRRD000x magic)');
      continue;
    }
    if (line === '') return { fields, dataStart: pos };
    if (line.startsWith('#')) continue;
    // "key:=value" lines are free-form key/value pairs, not fields.
    if (/^[^:]*:=/.test(line)) continue;
    const match = /^([^:]+): (.*)$/.exec(line);
    if (!match) throw new BadInputError(path, `NRRD header line ${lineNumber} is not a "field: value" line`);
    fields.set(match[1].trim().toLowerCase(), match[2].trim());
  }
  if (lineNumber === 0) throw new BadInputError(path, 'not a NRRD file (empty)');
  return { fields, dataStart: null };
}

function required(path: string, fields: Map<string, string>, name: string): string {
  const value = fields.get(name);
  if (value === undefined) throw new BadInputError(path, `NRRD header has no "${name}" field`);
  return value;
}

function voxelType(path: string, name: string): VoxelType {
  const normalized = name.trim().toLowerCase().replace(/\s+/g, ' ');
  const found = TYPE_ALIASES.find(([, aliases]) => aliases.includes(normalized));
  if (found) return found[0];
  if (UNSUPPORTED_TYPES.includes(normalized)) {
    throw new BadInputError(path, `unsupported NRRD type "${name}"`);
  }
  throw new BadInputError(path, `unknown NRRD type "${name}"`);
}

function parseVector(path: string, token: string): number[] {
  const match = /^\((.*)\)$/.exec(token.trim());
  if (!match) throw new BadInputError(path, `"${token}" is not a (x,y,z) vector`);
  const values = match[1].split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isFinite(v))) {
    throw new BadInputError(path, `"${token}" has non-numeric parts`);
  }
  return values;
}

/** One token per axis: a vector or "none". */
function parseDirections(path: string, value: string, dimension: number): (number[] | null)[] {
  const tokens = value.match(/\([^)]*\)|none/g) ?? [];
  if (tokens.length !== dimension) {
    throw new BadInputError(path, `"space directions" has ${tokens.length} entries for ${dimension} axes`);
  }
  return tokens.map((t) => (t === 'none' ? null : parseVector(path, t)));
}

function parseSizes(path: string, fields: Map<string, string>): number[] {
  const dimension = Number(required(path, fields, 'dimension'));
  const sizes = required(path, fields, 'sizes').split(/\s+/).map(Number);
  if (!Number.isInteger(dimension) || dimension < 1 || sizes.length !== dimension) {
    throw new BadInputError(path, `"sizes" lists ${sizes.length} axes but "dimension" is ${dimension}`);
  }
  sizes.forEach((s, n) => {
    if (!Number.isInteger(s) || s < 1) {
      throw new BadInputError(path, `size of axis ${n} is ${s}; must be positive`);
    }
  });
  return sizes;
}

interface AxisLayout {
  /** File axes (or -1 for a synthesized axis of size 1) in i, j, k order. */
  spatial: [number, number, number];
  columns: [Vec3, Vec3, Vec3];
  origin: Vec3;
}

function spaceSigns(path: string, fields: Map<string, string>, warnings: string[]): Vec3 {
  const space = fields.get('space');
  if (space === undefined) {
    const spaceDimension = fields.get('space dimension');
    if (spaceDimension === undefined) throw new BadInputError(path, 'NRRD has space directions but no space');
    if (spaceDimension !== '3') {
      throw new BadInputError(path, `unsupported space dimension ${spaceDimension}`);
    }
    warnings.push('NRRD space not named: coordinates assumed to be patient LPS');
    return [1, 1, 1];
  }
  const known = SPACES[space.toLowerCase()];
  if (!known) throw new BadInputError(path, `unsupported NRRD space "${space}"`);
  if (known.warning) warnings.push(known.warning);
  return known.toLps;
}

/** "space units" names one unit per space dimension; we support only a common one for all three. */
function unitsToMm(path: string, fields: Map<string, string>, warnings: string[]): number {
  const value = fields.get('space units');
  if (value === undefined) return 1;
  const units = [...value.matchAll(/"([^"]*)"/g)].map((m) => m[1].toLowerCase());
  const factors = units.map((u) => UNITS_TO_MM[u]);
  if (units.length !== 3 || factors.some((f) => f === undefined)) {
    warnings.push(`space units ${value} not understood; millimetres assumed`);
    return 1;
  }
  if (factors.some((f) => f !== factors[0])) throw new BadInputError(path, `mixed space units ${value}`);
  return factors[0];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/** The spatial axes as i, j, k; a 2-D image gets a k axis of one slice normal to its plane. */
function completeSpatial(
  path: string,
  spatial: number[],
  columns: Vec3[],
): Pick<AxisLayout, 'spatial' | 'columns'> {
  if (spatial.length === 3) {
    return { spatial: spatial as AxisLayout['spatial'], columns: columns as AxisLayout['columns'] };
  }
  if (spatial.length === 2) {
    const normal = cross(columns[0], columns[1]);
    const length = Math.hypot(...normal);
    if (!(length > 0)) throw new BadInputError(path, 'voxel axes are degenerate (parallel)');
    return {
      spatial: [spatial[0], spatial[1], -1],
      columns: [columns[0], columns[1], normal.map((v) => v / length) as Vec3],
    };
  }
  throw new BadInputError(path, `${spatial.length} spatial axes; only 2-D and 3-D images are supported`);
}

function axisLayout(
  path: string,
  fields: Map<string, string>,
  sizes: number[],
  warnings: string[],
): AxisLayout {
  const directionsField = fields.get('space directions');
  if (directionsField === undefined) {
    // Without a space there is only per-axis spacing: place the grid on LPS axes at 0.
    const kinds = (fields.get('kinds') ?? '').split(/\s+/);
    const spacings = (fields.get('spacings') ?? '').split(/\s+/).map(Number);
    const spatial = sizes
      .map((_, n) => n)
      .filter((n) => ['domain', 'space', undefined, ''].includes(kinds[n]));
    const columns = spatial.map((n, c) => {
      const s = Number.isFinite(spacings[n]) ? spacings[n] : 1;
      const column: Vec3 = [0, 0, 0];
      column[c] = s;
      return column;
    });
    warnings.push('NRRD has no space directions: orientation unknown, LPS axes and origin 0 assumed');
    return { ...completeSpatial(path, spatial, columns), origin: [0, 0, 0] };
  }
  const signs = spaceSigns(path, fields, warnings);
  const directions = parseDirections(path, directionsField, sizes.length);
  const spatial = directions.flatMap((d, n) => (d ? [n] : []));
  const scale = unitsToMm(path, fields, warnings);
  const toLps = (v: number[]): Vec3 => {
    if (v.length !== 3) throw new BadInputError(path, `vector (${v.join(',')}) is not 3-D`);
    return [v[0] * signs[0] * scale, v[1] * signs[1] * scale, v[2] * signs[2] * scale];
  };
  const columns = spatial.map((n) => toLps(directions[n] as number[]));
  const originField = fields.get('space origin');
  if (originField === undefined) warnings.push('NRRD has no space origin; 0 assumed');
  const origin = originField === undefined ? ([0, 0, 0] as Vec3) : toLps(parseVector(path, originField));
  return { ...completeSpatial(path, spatial, columns), origin };
}

function skipLines(bytes: Uint8Array, lines: number, path: string): Uint8Array {
  let pos = 0;
  for (let n = 0; n < lines; n++) {
    const newline = bytes.indexOf(0x0a, pos);
    if (newline < 0) {
      throw new BadInputError(path, `data ends before the ${lines} lines that "line skip" skips`);
    }
    pos = newline + 1;
  }
  return bytes.subarray(pos);
}

function integerField(path: string, fields: Map<string, string>, name: string, min: number): number {
  const value = fields.get(name);
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new BadInputError(path, `"${name}: ${value}" is not a valid count`);
  }
  return n;
}

/** The bytes holding the data: attached after the header, or the one detached file it names. */
function dataSource(
  file: InputFile,
  header: NrrdHeader,
  readDetached: ((name: string) => Uint8Array) | undefined,
): { bytes: Uint8Array; name: string } {
  const name = header.fields.get('data file') ?? header.fields.get('datafile');
  if (name === undefined) {
    if (header.dataStart === null) {
      throw new BadInputError(file.path, 'NRRD header has no data and no "data file"');
    }
    return { bytes: file.bytes.subarray(header.dataStart), name: file.path };
  }
  if (/^LIST\b/.test(name) || /%\S*\s+-?\d+\s+-?\d+\s+-?\d+/.test(name)) {
    throw new BadInputError(file.path, `multi-file NRRD data ("data file: ${name}") is not supported`);
  }
  if (!readDetached) {
    throw new BadInputError(file.path, `detached data file "${name}" given but cannot be read here`);
  }
  try {
    return { bytes: readDetached(name), name };
  } catch (error) {
    if (error instanceof BadInputError) throw error;
    throw new BadInputError(
      file.path,
      `cannot read detached data file "${name}" (${(error as Error).message})`,
    );
  }
}

function decodeAscii(path: string, bytes: Uint8Array, type: VoxelType, count: number): VoxelArray {
  const values = new TextDecoder('latin1')
    .decode(bytes)
    .trim()
    .split(/[\s,]+/)
    .map(Number);
  if (values.length < count || values.slice(0, count).some((v) => Number.isNaN(v))) {
    throw new BadInputError(path, `ASCII data holds fewer than the ${count} numbers the header needs`);
  }
  return voxelArrayConstructors[type].from(values.slice(0, count));
}

function decodeData(
  path: string,
  fields: Map<string, string>,
  source: { bytes: Uint8Array; name: string },
  type: VoxelType,
  count: number,
): VoxelArray {
  const encoding = required(path, fields, 'encoding').toLowerCase();
  let bytes = skipLines(source.bytes, integerField(path, fields, 'line skip', 0), path);
  const byteSkip = integerField(path, fields, 'byte skip', -1);
  if (encoding === 'ascii' || encoding === 'text' || encoding === 'txt') {
    if (byteSkip < 0) throw new BadInputError(path, '"byte skip: -1" is only defined for raw encoding');
    return decodeAscii(path, bytes.subarray(byteSkip), type, count);
  }
  const size = BYTES_PER_VOXEL[type];
  const needed = count * size;
  if (encoding === 'gzip' || encoding === 'gz') {
    if (!isGzip(bytes)) throw new BadInputError(path, `data in ${source.name} is not gzip-compressed`);
    if (byteSkip < 0) throw new BadInputError(path, '"byte skip: -1" is only defined for raw encoding');
    bytes = gunzipInput(path, bytes, `gzip data in ${source.name}`).subarray(byteSkip);
  } else if (encoding === 'raw') {
    // -1 means the data are the last bytes of the file, whatever precedes them.
    bytes = byteSkip < 0 ? bytes.subarray(Math.max(0, bytes.length - needed)) : bytes.subarray(byteSkip);
  } else {
    throw new BadInputError(path, `unsupported NRRD encoding "${encoding}"`);
  }
  if (bytes.length < needed) {
    throw new BadInputError(
      path,
      `data is shorter than the header's sizes need (${bytes.length} bytes, ${needed} needed)`,
    );
  }
  const endian = fields.get('endian')?.toLowerCase();
  if (size > 1 && endian !== 'little' && endian !== 'big') {
    throw new BadInputError(path, `NRRD header needs "endian: little" or "endian: big" for ${type} data`);
  }
  return decodeSamples(bytes, 0, type, count, endian !== 'big');
}

/** Copies the spatial grid out of the file's axis order, taking index 0 on every non-spatial axis. */
function extractSpatial(all: VoxelArray, type: VoxelType, sizes: number[], spatial: number[]): VoxelArray {
  const strides = sizes.map((_, n) => sizes.slice(0, n).reduce((p, s) => p * s, 1));
  const dims = spatial.map((a) => (a < 0 ? 1 : sizes[a]));
  const step = spatial.map((a) => (a < 0 ? 0 : strides[a]));
  const count = dims[0] * dims[1] * dims[2];
  if (count === all.length) return all;
  const out = new voxelArrayConstructors[type](count);
  let o = 0;
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      const base = k * step[2] + j * step[1];
      for (let i = 0; i < dims[0]; i++) out[o++] = all[base + i * step[0]];
    }
  }
  return out;
}

function nonSpatialWarning(fields: Map<string, string>, sizes: number[], spatial: number[]): string | null {
  const kinds = (fields.get('kinds') ?? '').split(/\s+/);
  const extra = sizes.flatMap((s, n) =>
    !spatial.includes(n) && s > 1 ? [`${s} along axis ${n} (${kinds[n] ?? '?'})`] : [],
  );
  return extra.length ? `image has non-spatial axes: ${extra.join(', ')}; showing the first component` : null;
}

export function readNrrd(file: InputFile, readDetached?: (name: string) => Uint8Array): LoadedSeries {
  const header = parseHeader(file.path, file.bytes);
  const { fields } = header;
  const warnings: string[] = [];
  const type = voxelType(file.path, required(file.path, fields, 'type'));
  const sizes = parseSizes(file.path, fields);
  const layout = axisLayout(file.path, fields, sizes, warnings);
  const geometry = geometryFromColumns(file.path, layout.columns);
  warnings.push(...geometry.warnings);

  const count = sizes.reduce((p, s) => p * s, 1);
  const all = decodeData(file.path, fields, dataSource(file, header, readDetached), type, count);
  const voxels = extractSpatial(all, type, sizes, layout.spatial);
  const componentWarning = nonSpatialWarning(fields, sizes, layout.spatial);
  if (componentWarning) warnings.push(componentWarning);

  const content = fields.get('content');
  const guess = guessModality(voxels, type, [content ?? '']);
  if (guess.warning) warnings.push(guess.warning);

  return {
    volume: {
      dims: layout.spatial.map((a) => (a < 0 ? 1 : sizes[a])) as Vec3,
      spacingMm: geometry.spacingMm,
      originLps: layout.origin,
      axesLps: geometry.axesLps,
      voxelType: type,
      voxels,
      modality: guess.modality,
    },
    description: content || baseName(file.path),
    path: file.path,
    files: [file.path],
    warnings,
  };
}
