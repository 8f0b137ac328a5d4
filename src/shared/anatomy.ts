import catalogue from './anatomy.json';
import type { Vec3 } from './volume';

export interface Structure {
  id: number;
  /** snake_case, as TotalSegmentator names it. */
  name: string;
  colorRgb: Vec3;
  synonyms: string[];
  snomed?: { code: string; meaning: string };
  category?: string;
}

export const structures: readonly Structure[] = catalogue.structures as Structure[];

const byName = new Map(structures.map((s) => [s.name, s]));
const byId = new Map(structures.map((s) => [s.id, s]));

export function structureByName(name: string): Structure | undefined {
  return byName.get(name) ?? byName.get(normaliseName(name));
}

export function structureById(id: number): Structure | undefined {
  return byId.get(id);
}

/** "Kidney, Left" / "kidney left" / "left kidney" → a catalogue name where a synonym matches. */
export function normaliseName(text: string): string {
  const plain = text
    .trim()
    .toLowerCase()
    .replace(/[\s,-]+/g, ' ');
  for (const s of structures) {
    if (s.name === plain.replace(/ /g, '_')) return s.name;
    if (s.synonyms.some((syn) => syn.replace(/[\s,-]+/g, ' ') === plain)) return s.name;
  }
  return plain.replace(/ /g, '_');
}

/** A colour for a label the catalogue does not know, stable per value. */
export function fallbackColor(value: number): Vec3 {
  const hue = (value * 137.508) % 360;
  const c = 0.55 * (1 - Math.abs(2 * 0.6 - 1));
  const x = c * (1 - Math.abs(((hue / 60) % 2) - 1));
  const [r, g, b] =
    hue < 60
      ? [c, x, 0]
      : hue < 120
        ? [x, c, 0]
        : hue < 180
          ? [0, c, x]
          : hue < 240
            ? [0, x, c]
            : hue < 300
              ? [x, 0, c]
              : [c, 0, x];
  const m = 0.6 - c / 2;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}
