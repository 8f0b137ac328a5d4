// NIfTI-1 / NIfTI-2 reader: bytes in, an LPS Volume out. NIfTI's world is RAS; ours is LPS.
import type { Axes3, Vec3, VoxelArray, VoxelType } from '../../../shared/volume';
import { voxelArrayConstructors } from '../../../shared/volume';
import { BadInputError } from './errors';
import {
  BYTES_PER_VOXEL,
  baseName,
  decodeSamples,
  geometryFromColumns,
  guessModality,
  gunzipInput,
  intensityRange,
  isGzip,
  isIntegerType,
} from './voxelData';
import type { InputFile, LoadedSeries } from './types';

const NIFTI_DATATYPES: Record<number, VoxelType> = {
  2: 'uint8',
  4: 'int16',
  8: 'int32',
  16: 'float32',
  64: 'float64',
  256: 'int8',
  512: 'uint16',
  768: 'uint32',
};

const UNSUPPORTED_DATATYPES: Record<number, string> = {
  1: 'binary (1 bit per voxel)',
  32: 'complex64',
  128: 'RGB24',
  1024: 'int64',
  1280: 'uint64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'RGBA32',
};

interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  dim: number[];
  datatype: number;
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  xyztUnits: number;
  qformCode: number;
  sformCode: number;
  quatern: Vec3;
  qoffset: Vec3;
  srow: number[][];
  descrip: string;
  intentName: string;
}

function text(bytes: Uint8Array, offset: number, length: number): string {
  const raw = bytes.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return new TextDecoder('latin1').decode(end < 0 ? raw : raw.subarray(0, end)).trim();
}

function headerVersion(path: string, bytes: Uint8Array): { version: 1 | 2; littleEndian: boolean } {
  if (bytes.length < 348) throw new BadInputError(path, `not a NIfTI file (only ${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const littleEndian of [true, false]) {
    const size = view.getInt32(0, littleEndian);
    if (size === 348) {
      const magic = text(bytes, 344, 4);
      if (magic === 'ni1') {
        throw new BadInputError(path, 'is a NIfTI .hdr/.img pair; only single-file .nii is supported');
      }
      if (magic !== 'n+1') {
        throw new BadInputError(path, 'not a NIfTI-1 file (no n+1 magic; Analyze 7.5 is not supported)');
      }
      return { version: 1, littleEndian };
    }
    if (size === 540) {
      if (bytes.length < 540) throw new BadInputError(path, 'NIfTI-2 header is truncated');
      const magic = text(bytes, 4, 4);
      if (magic === 'ni2') {
        throw new BadInputError(path, 'is a NIfTI .hdr/.img pair; only single-file .nii is supported');
      }
      if (magic !== 'n+2') throw new BadInputError(path, 'not a NIfTI-2 file (no n+2 magic)');
      return { version: 2, littleEndian };
    }
  }
  throw new BadInputError(path, 'not a NIfTI file (header size is neither 348 nor 540)');
}

function parseHeader(path: string, bytes: Uint8Array): NiftiHeader {
  const { version, littleEndian } = headerVersion(path, bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = littleEndian;
  const i16 = (o: number) => view.getInt16(o, le);
  const i32 = (o: number) => view.getInt32(o, le);
  const f32 = (o: number) => view.getFloat32(o, le);
  const f64 = (o: number) => view.getFloat64(o, le);
  const i64 = (o: number) => Number(view.getBigInt64(o, le));
  const range = <T>(n: number, at: (k: number) => T): T[] => Array.from({ length: n }, (_, k) => at(k));
  if (version === 1) {
    return {
      version,
      littleEndian,
      dim: range(8, (k) => i16(40 + 2 * k)),
      datatype: i16(70),
      pixdim: range(8, (k) => f32(76 + 4 * k)),
      voxOffset: f32(108),
      sclSlope: f32(112),
      sclInter: f32(116),
      xyztUnits: bytes[123],
      qformCode: i16(252),
      sformCode: i16(254),
      quatern: [f32(256), f32(260), f32(264)],
      qoffset: [f32(268), f32(272), f32(276)],
      srow: range(3, (r) => range(4, (c) => f32(280 + 16 * r + 4 * c))),
      descrip: text(bytes, 148, 80),
      intentName: text(bytes, 328, 16),
    };
  }
  return {
    version,
    littleEndian,
    dim: range(8, (k) => i64(16 + 8 * k)),
    datatype: i16(12),
    pixdim: range(8, (k) => f64(104 + 8 * k)),
    voxOffset: i64(168),
    sclSlope: f64(176),
    sclInter: f64(184),
    xyztUnits: i32(500),
    qformCode: i32(344),
    sformCode: i32(348),
    quatern: [f64(352), f64(360), f64(368)],
    qoffset: [f64(376), f64(384), f64(392)],
    srow: range(3, (r) => range(4, (c) => f64(400 + 32 * r + 8 * c))),
    descrip: text(bytes, 240, 80),
    intentName: text(bytes, 508, 16),
  };
}

/** Rotation columns of a NIfTI quaternion, as nifti1_io's quatern_to_mat44 computes them. */
export function quaternionToRotation(b: number, c: number, d: number): [Vec3, Vec3, Vec3] {
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    // b,c,d alone must then form a unit vector: a 180° rotation.
    const norm = Math.hypot(b, c, d);
    [a, b, c, d] = [0, b / norm, c / norm, d / norm];
  } else {
    a = Math.sqrt(a);
  }
  return [
    [a * a + b * b - c * c - d * d, 2 * (b * c + a * d), 2 * (b * d - a * c)],
    [2 * (b * c - a * d), a * a + c * c - b * b - d * d, 2 * (c * d + a * b)],
    [2 * (b * d + a * c), 2 * (c * d - a * b), a * a + d * d - c * c - b * b],
  ];
}

/** Index→RAS columns and origin by the NIfTI rules: sform first, then qform, then bare pixdim. */
function rasAffine(
  path: string,
  h: NiftiHeader,
  warnings: string[],
): { columns: [Vec3, Vec3, Vec3]; origin: Vec3 } {
  if (h.sformCode > 0) {
    const columns = [0, 1, 2].map((n) => [h.srow[0][n], h.srow[1][n], h.srow[2][n]]) as [Vec3, Vec3, Vec3];
    return { columns, origin: [h.srow[0][3], h.srow[1][3], h.srow[2][3]] };
  }
  // An axis the image does not have (a 2-D image's k) often carries pixdim 0: give it one unit.
  const pix = [1, 2, 3].map((n) => (n > h.dim[0] && !(h.pixdim[n] > 0) ? 1 : h.pixdim[n]));
  pix.forEach((p, n) => {
    if (!(p > 0)) throw new BadInputError(path, `pixdim[${n + 1}] is ${p}; voxel spacing must be positive`);
  });
  if (h.qformCode > 0) {
    const qfac = h.pixdim[0] < 0 ? -1 : 1;
    const rotation = quaternionToRotation(...h.quatern);
    const scale = [pix[0], pix[1], pix[2] * qfac];
    const columns = rotation.map((col, n) => col.map((v) => v * scale[n])) as [Vec3, Vec3, Vec3];
    return { columns, origin: [...h.qoffset] };
  }
  warnings.push('no sform or qform: position unknown, axes assumed to be RAS with origin 0');
  return {
    columns: [
      [pix[0], 0, 0],
      [0, pix[1], 0],
      [0, 0, pix[2]],
    ],
    origin: [0, 0, 0],
  };
}

function spatialUnitToMm(code: number, warnings: string[]): number {
  switch (code & 7) {
    case 1:
      return 1000;
    case 3:
      return 1e-3;
    case 0:
    case 2:
      return 1;
    default:
      warnings.push(`unknown spatial unit code ${code & 7}; millimetres assumed`);
      return 1;
  }
}

function gridDims(path: string, dim: number[], warnings: string[]): [number, number, number] {
  const rank = dim[0];
  if (!(rank >= 1 && rank <= 7)) throw new BadInputError(path, `dim[0] is ${rank}; must be 1 to 7`);
  const sizes = dim.slice(1, rank + 1);
  sizes.forEach((size, n) => {
    if (!(size >= 1)) throw new BadInputError(path, `dim[${n + 1}] is ${size}; sizes must be positive`);
  });
  const volumes = sizes.slice(3).reduce((p, s) => p * s, 1);
  if (volumes > 1) warnings.push(`${rank}-D image with ${volumes} volumes; showing the first`);
  return [sizes[0], sizes[1] ?? 1, sizes[2] ?? 1];
}

const INTEGER_RANGES: [VoxelType, number, number][] = [
  ['uint8', 0, 0xff],
  ['int8', -0x80, 0x7f],
  ['uint16', 0, 0xffff],
  ['int16', -0x8000, 0x7fff],
  ['uint32', 0, 0xffffffff],
  ['int32', -0x80000000, 0x7fffffff],
];

/** scl_slope and scl_inter where they change the stored values; null where they do not. */
export type NiftiScaling = { slope: number; inter: number } | null;

function scalingOf(slope: number, inter: number): NiftiScaling {
  // The standard says slope 0 means unscaled; nibabel and others write NaN for the same.
  if (!Number.isFinite(slope) || slope === 0) return null;
  const offset = Number.isFinite(inter) ? inter : 0;
  return slope === 1 && offset === 0 ? null : { slope, inter: offset };
}

/**
 * The type scaled voxels are kept in where the header alone decides it; undefined where it depends
 * on the values stored (integers scaled by integers: the narrowest integer type that holds them).
 */
function headerVoxelType(stored: VoxelType, scaling: NiftiScaling): VoxelType | undefined {
  if (!scaling) return stored;
  if (stored === 'float64') return 'float64';
  if (!isIntegerType(stored) || !Number.isInteger(scaling.slope) || !Number.isInteger(scaling.inter))
    return 'float32';
  return undefined;
}

/** The narrowest type that stores every scaled value exactly. */
function scaledType(raw: VoxelArray, type: VoxelType, scaling: NonNullable<NiftiScaling>): VoxelType {
  const decided = headerVoxelType(type, scaling);
  if (decided) return decided;
  const [lo, hi] = intensityRange(raw);
  const [a, b] = [lo * scaling.slope + scaling.inter, hi * scaling.slope + scaling.inter];
  const fit = INTEGER_RANGES.find(([, min, max]) => Math.min(a, b) >= min && Math.max(a, b) <= max);
  return fit ? fit[0] : 'float64';
}

/** Writes `raw` scaled into `target` from index `at` (a plain copy where unscaled). */
export function writeScaled(target: VoxelArray, at: number, raw: VoxelArray, scaling: NiftiScaling): void {
  if (!scaling) {
    target.set(raw as never, at);
    return;
  }
  const { slope, inter } = scaling;
  for (let i = 0; i < raw.length; i++) target[at + i] = raw[i] * slope + inter;
}

function storedType(path: string, datatype: number): VoxelType {
  const type = NIFTI_DATATYPES[datatype];
  if (type) return type;
  const name = UNSUPPORTED_DATATYPES[datatype];
  throw new BadInputError(
    path,
    name ? `unsupported NIfTI datatype ${name} (${datatype})` : `unknown NIfTI datatype code ${datatype}`,
  );
}

/** Everything a NIfTI header says about its image: where and how its voxels lie, and its geometry. */
export interface NiftiLayout {
  dims: [number, number, number];
  storedType: VoxelType;
  littleEndian: boolean;
  /** Byte offset of the first voxel. */
  offset: number;
  /** Bytes the file must hold for the voxels of the first volume. */
  needed: number;
  scaling: NiftiScaling;
  /** The type the voxels are kept in, where the header decides it (see headerVoxelType). */
  voxelType: VoxelType | undefined;
  spacingMm: Vec3;
  originLps: Vec3;
  axesLps: Axes3;
  /** descrip and intent_name: what the file says about itself, for the modality rule. */
  texts: string[];
  warnings: string[];
}

/** Bytes of the file's start that hold the header (NIfTI-2's is the larger). */
export const niftiHeaderBytes = 540;

/** Reads the header at the start of `bytes` (uncompressed); a BadInputError where it cannot be used. */
export function niftiLayout(path: string, bytes: Uint8Array): NiftiLayout {
  const header = parseHeader(path, bytes);
  const warnings: string[] = [];
  const dims = gridDims(path, header.dim, warnings);
  const type = storedType(path, header.datatype);
  const minOffset = header.version === 1 ? 352 : 544;
  const offset = header.voxOffset >= minOffset ? Math.floor(header.voxOffset) : minOffset;
  const scaling = scalingOf(header.sclSlope, header.sclInter);

  const affine = rasAffine(path, header, warnings);
  const toMm = spatialUnitToMm(header.xyztUnits, warnings);
  const ras2lps = (v: number[]): Vec3 => [-v[0] * toMm, -v[1] * toMm, v[2] * toMm];
  const geometry = geometryFromColumns(path, affine.columns.map(ras2lps) as [Vec3, Vec3, Vec3]);
  warnings.push(...geometry.warnings);
  return {
    dims,
    storedType: type,
    littleEndian: header.littleEndian,
    offset,
    needed: offset + dims[0] * dims[1] * dims[2] * BYTES_PER_VOXEL[type],
    scaling,
    voxelType: headerVoxelType(type, scaling),
    spacingMm: geometry.spacingMm,
    originLps: ras2lps(affine.origin),
    axesLps: geometry.axesLps,
    texts: [header.descrip, header.intentName],
    warnings,
  };
}

/** The refusal of a file shorter than its header's dimensions need. */
export function shortDataError(path: string, size: number, layout: NiftiLayout): BadInputError {
  return new BadInputError(
    path,
    `data is shorter than the header's dimensions need (${size} bytes, ${layout.needed} needed)`,
  );
}

/** A series of `voxels` laid out as `layout` says, with the modality and warnings it was given. */
export function niftiSeries(
  path: string,
  layout: NiftiLayout,
  voxels: VoxelArray,
  voxelType: VoxelType,
  guess: { modality: string; warning?: string },
): LoadedSeries {
  const { dims, spacingMm, originLps, axesLps } = layout;
  return {
    volume: { dims, spacingMm, originLps, axesLps, voxelType, voxels, modality: guess.modality },
    description: baseName(path),
    path,
    files: [path],
    warnings: guess.warning ? [...layout.warnings, guess.warning] : [...layout.warnings],
  };
}

/** `statedTexts`: what else describes the image (a BIDS sidecar's Modality), for the modality rule. */
export function readNifti(file: InputFile, statedTexts: string[] = []): LoadedSeries {
  const bytes = isGzip(file.bytes) ? gunzipInput(file.path, file.bytes) : file.bytes;
  const layout = niftiLayout(file.path, bytes);
  if (bytes.length < layout.needed) throw shortDataError(file.path, bytes.length, layout);
  const { dims, storedType: type, scaling } = layout;
  const raw = decodeSamples(bytes, layout.offset, type, dims[0] * dims[1] * dims[2], layout.littleEndian);
  let voxels = raw;
  let voxelType = type;
  if (scaling) {
    voxelType = scaledType(raw, type, scaling);
    voxels = new voxelArrayConstructors[voxelType](raw.length);
    writeScaled(voxels, 0, raw, scaling);
  }
  const guess = guessModality(voxels, voxelType, [...layout.texts, ...statedTexts]);
  return niftiSeries(file.path, layout, voxels, voxelType, guess);
}
