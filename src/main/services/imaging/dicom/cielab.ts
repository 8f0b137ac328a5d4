// DICOM colours are CIELab scaled to 0…65535 (PS3.3 C.10.7.1.1), relative to the D65 white point.
// One conversion both ways, dcmjs's (as dcmqi/3D Slicer and OHIF use), so that colours written by
// the SEG writer read back the same and survive a round trip through those tools.
import type { Vec3 } from '../../../../shared/volume';
import { loadDcmjs } from './vendor';

/** sRGB (0..255) → DICOM scaled CIELab (0..65535 each). */
export function srgbToDicomLab(rgb: Vec3): Vec3 {
  const lab = loadDcmjs().data.Colors.rgb2DICOMLAB(rgb.map((c) => c / 255));
  return lab.map((v) => Math.min(65535, Math.max(0, Math.round(v)))) as Vec3;
}

/** DICOM scaled CIELab → sRGB 0..255: the inverse of srgbToDicomLab. */
export function dicomLabToSrgb(lab: number[]): Vec3 {
  const rgb = loadDcmjs().data.Colors.dicomlab2RGB(lab);
  return rgb.map((v) => Math.min(255, Math.max(0, Math.round(v * 255)))) as Vec3;
}
