// The segment list's out-of-distribution cell: the score, and a tooltip that says what it means.
import type { StructureOod } from '../../../shared/ood';

export function oodCell(ood: StructureOod | undefined): { text: string; title: string; flagged: boolean } {
  if (!ood) {
    return {
      text: '',
      title: 'no out-of-distribution score: not from an automatic run of this model',
      flagged: false,
    };
  }
  const verdict = ood.flagged
    ? 'unlike the training scans: check it before use'
    : 'below 1: like the training scans';
  return {
    text: `${ood.flagged ? '⚠ ' : ''}${ood.score.toFixed(2)}`,
    title:
      `out-of-distribution score ${ood.score.toFixed(2)}, ${verdict} ` +
      `(embedding distance ${ood.distance.toFixed(2)}, decoder entropy ${ood.entropy.toFixed(2)})`,
    flagged: ood.flagged,
  };
}
