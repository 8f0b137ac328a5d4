// Patient-direction letters for the edges of a view (R/L, A/P, S/I), so a reader can always tell
// which side is which, even for oblique acquisitions (e.g. "LA" for a 45° direction).
import type { Vec3 } from '../../../shared/volume';

const letters: [positive: string, negative: string][] = [
  ['L', 'R'],
  ['P', 'A'],
  ['S', 'I'],
];

/** Letters for an LPS direction, strongest component first; components under 0.3 are left out. */
export function directionLabel(direction: Vec3): string {
  return [0, 1, 2]
    .filter((c) => Math.abs(direction[c]) >= 0.3)
    .sort((a, b) => Math.abs(direction[b]) - Math.abs(direction[a]))
    .map((c) => letters[c][direction[c] > 0 ? 0 : 1])
    .join('');
}

export interface EdgeLabels {
  top: string;
  bottom: string;
  left: string;
  right: string;
}

/** Labels for a view whose screen-up and screen-right directions are given in LPS. */
export function edgeLabels(up: Vec3, right: Vec3): EdgeLabels {
  const negate = (v: Vec3): Vec3 => [-v[0], -v[1], -v[2]];
  return {
    top: directionLabel(up),
    bottom: directionLabel(negate(up)),
    right: directionLabel(right),
    left: directionLabel(negate(right)),
  };
}
