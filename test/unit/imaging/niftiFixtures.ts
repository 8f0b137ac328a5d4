// NIfTI-1 files laid out by hand from the standard's byte offsets, for the readers' tests.
import type { Vec3 } from '../../../src/shared/volume';

export type SampleType = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';
const SAMPLE_WRITERS: Record<SampleType, [number, (v: DataView, o: number, x: number, le: boolean) => void]> =
  {
    uint8: [1, (v, o, x) => v.setUint8(o, x)],
    int8: [1, (v, o, x) => v.setInt8(o, x)],
    int16: [2, (v, o, x, le) => v.setInt16(o, x, le)],
    uint16: [2, (v, o, x, le) => v.setUint16(o, x, le)],
    int32: [4, (v, o, x, le) => v.setInt32(o, x, le)],
    uint32: [4, (v, o, x, le) => v.setUint32(o, x, le)],
    float32: [4, (v, o, x, le) => v.setFloat32(o, x, le)],
    float64: [8, (v, o, x, le) => v.setFloat64(o, x, le)],
  };

export function encodeSamples(type: SampleType, values: number[], littleEndian = true): Uint8Array {
  const [size, write] = SAMPLE_WRITERS[type];
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((x, n) => write(view, n * size, x, littleEndian));
  return out;
}

export interface Nifti1Spec {
  /** dim[0] (the rank) followed by the sizes. */
  dim: number[];
  datatype: number;
  data: Uint8Array;
  pixdim?: number[];
  sform?: number[][];
  qform?: { quatern: Vec3; offset: Vec3 };
  slope?: number;
  inter?: number;
  units?: number;
  descrip?: string;
  littleEndian?: boolean;
  magic?: string;
}

/** A NIfTI-1 file laid out by hand from the standard's byte offsets, independent of the writer. */
export function nifti1(spec: Nifti1Spec): Uint8Array {
  const le = spec.littleEndian ?? true;
  const bytes = new Uint8Array(352 + spec.data.length);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, 348, le);
  spec.dim.forEach((d, n) => view.setInt16(40 + 2 * n, d, le));
  view.setInt16(70, spec.datatype, le);
  (spec.pixdim ?? [1, 1, 1, 1]).forEach((p, n) => view.setFloat32(76 + 4 * n, p, le));
  view.setFloat32(108, 352, le);
  view.setFloat32(112, spec.slope ?? 0, le);
  view.setFloat32(116, spec.inter ?? 0, le);
  view.setUint8(123, spec.units ?? 2);
  bytes.set(new TextEncoder().encode(spec.descrip ?? ''), 148);
  if (spec.qform) {
    view.setInt16(252, 1, le);
    spec.qform.quatern.forEach((q, n) => view.setFloat32(256 + 4 * n, q, le));
    spec.qform.offset.forEach((q, n) => view.setFloat32(268 + 4 * n, q, le));
  }
  if (spec.sform) {
    view.setInt16(254, 1, le);
    spec.sform.forEach((row, r) => row.forEach((v, c) => view.setFloat32(280 + 16 * r + 4 * c, v, le)));
  }
  bytes.set(new TextEncoder().encode(spec.magic ?? 'n+1\0'), 344);
  bytes.set(spec.data, 352);
  return bytes;
}
