// What the model panel shows of a manifest, in reading order: the measured scores as one row per
// condition (mean Dice over the classes, the classes found at all) with each class's Dice and HD95,
// and the classes a model outputs (background is not a structure).
import type { ModelManifest } from '../../../shared/modelManifest';

export interface ScoreClass {
  name: string;
  dice: number;
  hd95Mm?: number;
}

export interface ScoreRow {
  dataset: string;
  condition: string;
  meanDice: number;
  /** Classes with a Dice above zero, of all classes scored. */
  found: number;
  scored: number;
  classes: ScoreClass[];
}

export function scoreRows(manifest: Pick<ModelManifest, 'scores'>): ScoreRow[] {
  return manifest.scores.results.map(({ dataset, condition, perClass }) => {
    const classes = Object.entries(perClass).map(([name, s]) => ({ name, dice: s.dice, hd95Mm: s.hd95Mm }));
    const meanDice = classes.length ? classes.reduce((a, c) => a + c.dice, 0) / classes.length : 0;
    return {
      dataset,
      condition,
      meanDice,
      found: classes.filter((c) => c.dice > 0).length,
      scored: classes.length,
      classes,
    };
  });
}

export const formatDice = (dice: number) => dice.toFixed(2);
export const formatHd95 = (mm: number | undefined) => (mm === undefined ? '–' : `${mm.toFixed(1)} mm`);

export function structureClasses(manifest: Pick<ModelManifest, 'classes'>): ModelManifest['classes'] {
  return manifest.classes.filter((c) => c.index !== 0 && c.name !== 'background');
}
