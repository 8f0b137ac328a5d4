// The colour table tells anatomical neighbours apart: every pair of structures that touch in a normal
// body (listed here from anatomy, not from any segmentation) differs by at least ΔE*ab 15 in CIELAB,
// where Slicer's organ colours give liver and stomach 3.7 and small bowel and colon 0.9.
import { describe, expect, it } from 'vitest';
import { structureByName, structures } from './anatomy';

function lab([r, g, b]: [number, number, number]): [number, number, number] {
  const lin = (c: number) => (c / 255 > 0.04045 ? ((c / 255 + 0.055) / 1.055) ** 2.4 : c / 255 / 12.92);
  const [R, G, B] = [lin(r), lin(g), lin(b)];
  const x = (0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047;
  const y = 0.2126 * R + 0.7152 * G + 0.0722 * B;
  const z = (0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

function deltaE(a: string, b: string): number {
  const [p, q] = [structureByName(a), structureByName(b)];
  if (!p || !q) throw new Error(`${a} or ${b} is not in the catalogue`);
  const [l1, l2] = [lab(p.colorRgb), lab(q.colorRgb)];
  return Math.hypot(l1[0] - l2[0], l1[1] - l2[1], l1[2] - l2[2]);
}

const spine = [
  ...Array.from({ length: 7 }, (_, n) => `vertebrae_C${n + 1}`),
  ...Array.from({ length: 12 }, (_, n) => `vertebrae_T${n + 1}`),
  ...Array.from({ length: 5 }, (_, n) => `vertebrae_L${n + 1}`),
  'vertebrae_S1',
];
const neighbours: [string, string][] = [
  ['liver', 'stomach'],
  ['liver', 'kidney_right'],
  ['liver', 'gallbladder'],
  ['liver', 'duodenum'],
  ['liver', 'colon'],
  ['liver', 'inferior_vena_cava'],
  ['liver', 'adrenal_gland_right'],
  ['liver', 'heart'],
  ['stomach', 'spleen'],
  ['stomach', 'pancreas'],
  ['stomach', 'colon'],
  ['stomach', 'esophagus'],
  ['stomach', 'duodenum'],
  ['spleen', 'kidney_left'],
  ['spleen', 'colon'],
  ['spleen', 'pancreas'],
  ['pancreas', 'duodenum'],
  ['pancreas', 'kidney_left'],
  ['pancreas', 'portal_vein_and_splenic_vein'],
  ['kidney_left', 'adrenal_gland_left'],
  ['kidney_left', 'colon'],
  ['kidney_right', 'duodenum'],
  ['gallbladder', 'duodenum'],
  ['small_bowel', 'colon'],
  ['small_bowel', 'duodenum'],
  ['small_bowel', 'urinary_bladder'],
  ['urinary_bladder', 'prostate'],
  ['aorta', 'inferior_vena_cava'],
  ['aorta', 'esophagus'],
  ['aorta', 'heart'],
  ['aorta', 'iliac_artery_left'],
  ['aorta', 'iliac_artery_right'],
  ['inferior_vena_cava', 'iliac_vena_left'],
  ['inferior_vena_cava', 'iliac_vena_right'],
  ['iliac_artery_left', 'iliopsoas_left'],
  ['iliac_artery_right', 'iliopsoas_right'],
  ['lung_upper_lobe_left', 'lung_lower_lobe_left'],
  ['lung_upper_lobe_right', 'lung_middle_lobe_right'],
  ['lung_middle_lobe_right', 'lung_lower_lobe_right'],
  ['lung_upper_lobe_right', 'lung_lower_lobe_right'],
  ['femur_left', 'hip_left'],
  ['femur_right', 'hip_right'],
  ['hip_left', 'sacrum'],
  ['hip_right', 'sacrum'],
  ['hip_left', 'hip_right'],
  ['gluteus_maximus_left', 'gluteus_medius_left'],
  ['gluteus_medius_left', 'gluteus_minimus_left'],
  ['rib_left_8', 'costal_cartilages'],
  ['rib_right_8', 'costal_cartilages'],
  ['vertebrae_S1', 'sacrum'],
  ['vertebrae_L5', 'sacrum'],
  ...spine.slice(1).map((name, n): [string, string] => [spine[n], name]),
  ...Array.from({ length: 11 }, (_, n): [string, string] => [`rib_left_${n + 1}`, `rib_left_${n + 2}`]),
];

describe('anatomical colour table', () => {
  it.each(neighbours)('%s and %s are told apart (ΔE*ab ≥ 15)', (a, b) => {
    expect(deltaE(a, b)).toBeGreaterThanOrEqual(15);
  });

  it('keeps the tissue conventions of Slicer GenericAnatomyColors: artery red, vein blue, bone, cartilage', () => {
    expect(structureByName('aorta')?.colorRgb).toEqual([216, 101, 79]);
    expect(structureByName('inferior_vena_cava')?.colorRgb).toEqual([0, 151, 206]);
    expect(structureByName('femur_left')?.colorRgb).toEqual([241, 214, 145]);
    expect(structureByName('costal_cartilages')?.colorRgb).toEqual([111, 184, 210]);
    expect(structureByName('liver')?.colorRgb).toEqual([221, 130, 101]);
    expect(new Set(structures.map((s) => s.id)).size).toBe(structures.length);
  });
});
