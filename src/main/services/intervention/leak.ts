// "The liver leaks into the stomach": the part of the liver's label that lies in the stomach's
// territory goes back to the stomach. Territory is read from the image against the two structures
// themselves, not against the liver's surroundings at large: a liver voxel is the stomach's when
// its grey value is nearer the stomach's own (interior median) than the liver's, the model lets it
// go within the ceiling, and it is reached by one front from the stomach — so the change follows
// the leak into the liver's label and stops where the liver's own grey values begin.
import { displayName } from '../../../shared/intervention';
import { chooseStrength, intensityContrast, type BandEvidence, type StrengthChoice } from './strength';

/** Which band voxels of the target (`value`) are the neighbour's (`neighbour`), or null when the image cannot say. */
export function neighbourTerritory(
  target: string,
  neighbourName: string,
  image: ArrayLike<number>,
  labels: ArrayLike<number>,
  value: number,
  neighbour: number,
  band: BandEvidence,
  maxStrength: number,
): StrengthChoice | null {
  const own = intensityContrast(image, labels, value, band.dims);
  const theirs = intensityContrast(image, labels, neighbour, band.dims);
  if (!own || !theirs) return null;
  // For a shrink, "looks like the structure" is tested against its surroundings: here, the neighbour.
  const contrast = { inside: own.inside, outside: theirs.inside };
  const choice = chooseStrength(
    'shrink',
    target,
    { ...band, frontFrom: (n) => labels[n] === neighbour },
    contrast,
    maxStrength,
  );
  const [shown, other] = [displayName(target), displayName(neighbourName)];
  const changed = choice.changes.reduce((a, v) => a + v, 0);
  const grey = `grey values nearer the ${other}'s own (median ${Math.round(contrast.outside)}) than the ${shown}'s (${Math.round(contrast.inside)})`;
  return {
    ...choice,
    explanation: changed
      ? `took ${changed} voxels of the ${shown} in the ${other}'s territory (next to the ${other}, with ${grey}, and the model lets them go by strength ${Math.round(choice.strength * 100) / 100}); stopped where the ${shown}'s own grey values begin`
      : `nothing changed: no ${shown} voxel next to the ${other} has ${grey} where the model lets it go`,
  };
}
