// Gzipped NIfTI-1 writer. Both sform and qform carry the geometry so that tools preferring either
// (ITK prefers qform in some versions, nibabel sform) place the voxels identically.
import { gzipSync } from 'node:zlib';
import type { Vec3, Volume, VolumeGeometry, VoxelArray, VoxelType } from '../../../shared/volume';
import { voxelArrayConstructors, voxelCount } from '../../../shared/volume';

const HEADER_BYTES = 348;
const DATA_OFFSET = 352;
const NIFTI_UNITS_MM = 2;
const NIFTI_XFORM_SCANNER_ANAT = 1;
const NIFTI_INTENT_LABEL = 1002;

const DATATYPE: Record<VoxelType, { code: number; bytes: number }> = {
  uint8: { code: 2, bytes: 1 },
  int16: { code: 4, bytes: 2 },
  int32: { code: 8, bytes: 4 },
  float32: { code: 16, bytes: 4 },
  float64: { code: 64, bytes: 8 },
  int8: { code: 256, bytes: 1 },
  uint16: { code: 512, bytes: 2 },
  uint32: { code: 768, bytes: 4 },
};

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface LabelMapToWrite extends VolumeGeometry {
  labels: Uint8Array | Uint16Array;
}

interface Quaternion {
  b: number;
  c: number;
  d: number;
  qfac: number;
}

/**
 * nifti1_io's mat44_to_quatern for an orthonormal matrix given by its columns; a left-handed
 * matrix is stored as the rotation of its mirror image with qfac = -1 (third column negated).
 */
export function rotationToQuaternion(columns: [Vec3, Vec3, Vec3]): Quaternion {
  const [c0, c1, c2] = columns;
  const det =
    c0[0] * (c1[1] * c2[2] - c1[2] * c2[1]) -
    c1[0] * (c0[1] * c2[2] - c0[2] * c2[1]) +
    c2[0] * (c0[1] * c1[2] - c0[2] * c1[1]);
  const qfac = det < 0 ? -1 : 1;
  // r[row][col], 0-based.
  const r = [0, 1, 2].map((row) => [c0[row], c1[row], c2[row] * qfac]);
  let a = r[0][0] + r[1][1] + r[2][2] + 1;
  let b: number;
  let c: number;
  let d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r[2][1] - r[1][2])) / a;
    c = (0.25 * (r[0][2] - r[2][0])) / a;
    d = (0.25 * (r[1][0] - r[0][1])) / a;
  } else {
    const xd = 1 + r[0][0] - (r[1][1] + r[2][2]);
    const yd = 1 + r[1][1] - (r[0][0] + r[2][2]);
    const zd = 1 + r[2][2] - (r[0][0] + r[1][1]);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r[0][1] + r[1][0])) / b;
      d = (0.25 * (r[0][2] + r[2][0])) / b;
      a = (0.25 * (r[2][1] - r[1][2])) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r[0][1] + r[1][0])) / c;
      d = (0.25 * (r[1][2] + r[2][1])) / c;
      a = (0.25 * (r[0][2] - r[2][0])) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r[0][2] + r[2][0])) / d;
      c = (0.25 * (r[1][2] + r[2][1])) / d;
      a = (0.25 * (r[1][0] - r[0][1])) / d;
    }
    // The stored quaternion has no a; it is recovered as +sqrt(1-b²-c²-d²), so a must be ≥ 0.
    if (a < 0) [b, c, d] = [-b, -c, -d];
  }
  return { b, c, d, qfac };
}

function isOrthonormal(axes: [Vec3, Vec3, Vec3]): boolean {
  const dot = (u: Vec3, v: Vec3) => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
  return (
    axes.every((a) => Math.abs(dot(a, a) - 1) < 1e-4) &&
    Math.abs(dot(axes[0], axes[1])) < 1e-4 &&
    Math.abs(dot(axes[0], axes[2])) < 1e-4 &&
    Math.abs(dot(axes[1], axes[2])) < 1e-4
  );
}

const lpsToRas = (v: Vec3): Vec3 => [-v[0], -v[1], v[2]];

function writeHeader(
  view: DataView,
  bytes: Uint8Array,
  g: VolumeGeometry,
  type: VoxelType,
  intentCode: number,
  descrip: string,
): void {
  const le = true;
  view.setInt32(0, HEADER_BYTES, le);
  view.setInt8(38, 'r'.charCodeAt(0));
  view.setInt16(40, 3, le);
  g.dims.forEach((d, n) => view.setInt16(42 + 2 * n, d, le));
  for (let n = 3; n < 7; n++) view.setInt16(42 + 2 * n, 1, le);
  view.setInt16(68, intentCode, le);
  view.setInt16(70, DATATYPE[type].code, le);
  view.setInt16(72, DATATYPE[type].bytes * 8, le);

  const axesRas = g.axesLps.map(lpsToRas) as [Vec3, Vec3, Vec3];
  const originRas = lpsToRas(g.originLps);
  const columns = axesRas.map((a, n) => a.map((v) => v * g.spacingMm[n]));
  const useQform = isOrthonormal(axesRas);
  const q = useQform ? rotationToQuaternion(axesRas) : { b: 0, c: 0, d: 0, qfac: 1 };

  view.setFloat32(76, q.qfac, le);
  g.spacingMm.forEach((s, n) => view.setFloat32(80 + 4 * n, s, le));
  for (let n = 4; n < 8; n++) view.setFloat32(76 + 4 * n, 1, le);
  view.setFloat32(108, DATA_OFFSET, le);
  view.setFloat32(112, 0, le);
  view.setFloat32(116, 0, le);
  view.setUint8(123, NIFTI_UNITS_MM);
  bytes.set(new TextEncoder().encode(descrip.slice(0, 79)), 148);

  // A sheared grid has no quaternion; saying "no qform" beats a qform that disagrees with the sform.
  view.setInt16(252, useQform ? NIFTI_XFORM_SCANNER_ANAT : 0, le);
  view.setInt16(254, NIFTI_XFORM_SCANNER_ANAT, le);
  [q.b, q.c, q.d].forEach((v, n) => view.setFloat32(256 + 4 * n, v, le));
  originRas.forEach((v, n) => view.setFloat32(268 + 4 * n, v, le));
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 3; col++) view.setFloat32(280 + 16 * row + 4 * col, columns[col][row], le);
    view.setFloat32(280 + 16 * row + 12, originRas[row], le);
  }
  bytes.set(new TextEncoder().encode('n+1\0'), 344);
}

function encodeNifti1(
  g: VolumeGeometry,
  voxels: VoxelArray,
  type: VoxelType,
  intentCode: number,
  descrip: string,
): Uint8Array {
  if (voxels.length !== voxelCount(g.dims)) {
    throw new Error(`voxel count ${voxels.length} does not match dims ${g.dims.join('×')}`);
  }
  const size = DATATYPE[type].bytes;
  const bytes = new Uint8Array(DATA_OFFSET + voxels.length * size);
  const view = new DataView(bytes.buffer);
  writeHeader(view, bytes, g, type, intentCode, descrip);
  // DATA_OFFSET is a multiple of 8, so the typed view is aligned for every voxel type.
  new voxelArrayConstructors[type](bytes.buffer, DATA_OFFSET, voxels.length).set(voxels);
  if (!HOST_IS_LITTLE_ENDIAN && size > 1) {
    for (let start = DATA_OFFSET; start < bytes.length; start += size)
      bytes.subarray(start, start + size).reverse();
  }
  const zipped = gzipSync(bytes);
  return new Uint8Array(zipped.buffer, zipped.byteOffset, zipped.byteLength);
}

function geometryOf(g: VolumeGeometry): VolumeGeometry {
  return { dims: g.dims, spacingMm: g.spacingMm, originLps: g.originLps, axesLps: g.axesLps };
}

export function writeNiftiLabelMap(seg: LabelMapToWrite): Uint8Array {
  const type: VoxelType = seg.labels instanceof Uint16Array ? 'uint16' : 'uint8';
  return encodeNifti1(geometryOf(seg), seg.labels, type, NIFTI_INTENT_LABEL, 'label map');
}

/** The modality goes into descrip, where readNifti looks for it. */
export function writeNiftiVolume(volume: Volume): Uint8Array {
  const descrip = volume.modality && volume.modality !== 'OT' ? volume.modality : '';
  return encodeNifti1(geometryOf(volume), volume.voxels, volume.voxelType, 0, descrip);
}
