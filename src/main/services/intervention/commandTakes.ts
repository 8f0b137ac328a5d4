// The built-in interpreter's first pass over a normalised command: slice references ("slices
// 38–46", "below slice 40", "these slices", "above this", "here") and magnitudes ("by 3 mm",
// "10%", "slightly") are taken out of the text and turned into index ranges, a point and a size.
// Slice numbers the user types are the viewer's (1-based); the ranges hold 0-based indices.
// "Above"/"below" are patient terms (superior/inferior), turned into index ranges with
// context.superiorIsIncreasingK.
import {
  HERE_RADIUS_MM,
  THESE_SLICES_HALF_WIDTH,
  type Magnitude,
  type Region,
  type ViewContext,
} from '../../../shared/intervention';
import { numbersToDigits } from './lexicon';

export type Range = { from: number; to: number };
export type Where = { ranges: Range[]; point?: Region['point']; problem?: string };

const SLICE = '(?:slices?|images?|sections?)';
const SUPERIOR = 'above|over|superior to|cranial to|higher than';
const INFERIOR = 'below|under|beneath|inferior to|caudal to|lower than';

/** Lower case, contractions spelled out, number words as digits, units spaced: one spelling per idea. */
export function normaliseCommand(command: string): string {
  let t = command
    .toLowerCase()
    .replace(/[’‘`]/g, "'")
    .replace(/[–—]/g, '-')
    .replace(/\bcan't\b/g, 'cannot')
    .replace(/\bwon't\b/g, 'will not')
    .replace(/n't\b/g, ' not')
    .replace(/'s\b/g, '')
    .replace(/'/g, ' ');
  t = numbersToDigits(t);
  t = t
    .replace(/(\d),(\d)/g, '$1.$2')
    .replace(/(\d)\s*(mm|cm|%)/g, '$1 $2')
    // "Under the cursor" is where the pointer is, not below its slice.
    .replace(/\b(?:under|beneath) the (?:cursor|mouse|pointer|crosshairs?)\b/g, 'at the cursor')
    .replace(/\b(?:bigger|larger|wider|thicker) than\b/g, 'too big')
    .replace(/\b(?:smaller|narrower|thinner) than\b/g, 'too small')
    // "should not extend into the stomach" is a leak; "should not extend below slice 40" a removal.
    .replace(/\b(?:should|must) not (?:extend|go|spread|continue) (?=into|onto|over)/g, 'leaks ')
    .replace(/\b(?:should|must) not (?:extend|go|spread|continue)\b/g, 'should not be')
    .replace(/\s+/g, ' ')
    .trim();
  return t;
}

/** Takes out every match of `re` (global) from `text`, handing each to `take`. */
export function extract(text: string, re: RegExp, take: (m: RegExpExecArray) => void): string {
  return text.replace(re, (...args) => {
    const m = args.slice(0, -2) as unknown as RegExpExecArray;
    take(m);
    return ' , ';
  });
}

function beyond(index: number, superior: boolean, context: ViewContext, inclusive: boolean): Range {
  const last = context.sliceCount - 1;
  const up = superior === context.superiorIsIncreasingK;
  const step = inclusive ? 0 : 1;
  return up ? { from: index + step, to: last } : { from: 0, to: index - step };
}

/** Slice references → index ranges (intersected later) or a point; the text without them. */
export function takeSlices(text: string, context: ViewContext): { text: string; where: Where } {
  const where: Where = { ranges: [] };
  const c = context.currentSlice;
  const shown = (n: string) => Number(n) - 1;
  const badNumber = (n: number) => {
    if (n < 0 || n >= context.sliceCount) {
      where.problem = `This series has slices 1–${context.sliceCount}; slice ${n + 1} is not one of them. Which slices did you mean?`;
    }
  };
  text = extract(
    text,
    new RegExp(
      `\\b(?:(?:on|in|at|from|between|for|over|across) )?(?:the )?${SLICE} (\\d+) ?(?:-|to|through|thru|until|and) ?(?:${SLICE} )?(\\d+)\\b`,
      'g',
    ),
    (m) => {
      const [a, b] = [shown(m[1]), shown(m[2])].sort((x, y) => x - y);
      badNumber(a);
      badNumber(b);
      where.ranges.push({ from: a, to: b });
    },
  );
  text = extract(text, new RegExp(`\\b(${SUPERIOR}|${INFERIOR}) (?:the )?${SLICE} (\\d+)\\b`, 'g'), (m) => {
    const n = shown(m[2]);
    badNumber(n);
    where.ranges.push(beyond(n, new RegExp(`^(?:${SUPERIOR})$`).test(m[1]), context, false));
  });
  // "from slice 100 up", "slice 40 and below", "from slice 30 on": that slice and beyond it.
  text = extract(
    text,
    new RegExp(
      `\\b(?:from )?(?:the )?${SLICE} (\\d+) (?:and )?(up|upwards?|above|down|downwards?|below|onwards?|on)\\b`,
      'g',
    ),
    (m) => {
      const n = shown(m[1]);
      badNumber(n);
      if (m[2].startsWith('on')) where.ranges.push({ from: n, to: context.sliceCount - 1 });
      else where.ranges.push(beyond(n, /^(?:up|above)/.test(m[2]), context, true));
    },
  );
  text = extract(text, new RegExp(`\\b(after|before) (?:the )?${SLICE} (\\d+)\\b`, 'g'), (m) => {
    const n = shown(m[2]);
    badNumber(n);
    where.ranges.push(
      m[1] === 'after' ? { from: n + 1, to: context.sliceCount - 1 } : { from: 0, to: n - 1 },
    );
  });
  text = extract(text, new RegExp(`\\b(?:(?:on|in|at|of) )?(?:the )?${SLICE} (\\d+)\\b`, 'g'), (m) => {
    const n = shown(m[1]);
    badNumber(n);
    where.ranges.push({ from: n, to: n });
  });
  const thisSlice =
    '(?:this|here|the current slice|this slice|the current image|this image|this level|the cursor)';
  text = extract(text, new RegExp(`\\b(${SUPERIOR}|${INFERIOR}) ${thisSlice}`, 'g'), (m) => {
    where.ranges.push(beyond(c, new RegExp(`^(?:${SUPERIOR})$`).test(m[1]), context, false));
  });
  text = extract(text, /\bfrom (?:here|this slice|this level) (up|upwards|down|downwards)\b/g, (m) => {
    where.ranges.push(beyond(c, m[1].startsWith('up'), context, true));
  });
  text = extract(
    text,
    /\b(?:(?:on|in|across|over|for|through) )?(?:these|those|the current|the visible|nearby|neighbou?ring|adjacent|surrounding) (?:few )?(?:slices|images|sections|levels)\b/g,
    () => {
      const last = context.sliceCount - 1;
      where.ranges.push({
        from: Math.max(0, c - THESE_SLICES_HALF_WIDTH),
        to: Math.min(last, c + THESE_SLICES_HALF_WIDTH),
      });
    },
  );
  text = extract(
    text,
    /\b(?:(?:on|in|at) )?(?:this|the current|current|the present) (?:slice|image|section|level)\b/g,
    () => where.ranges.push({ from: c, to: c }),
  );
  text = extract(
    text,
    /\b(?:(?:right|just|around|at|in) )?(?:here|this (?:spot|point|location|place|area|region)|(?:at )?the cursor|where the cursor is|where i (?:clicked|pointed))\b/g,
    () => {
      const k = context.cursor;
      if (k) where.point = { ...k, radiusMm: HERE_RADIUS_MM };
      else where.ranges.push({ from: c, to: c });
    },
  );
  return { text, where };
}

export type Taken = { magnitude?: Magnitude; problem?: string };

export function takeMagnitude(text: string): { text: string; taken: Taken } {
  const taken: Taken = {};
  text = extract(
    text,
    /\b(?:by |of |about |around |approximately |roughly |another )?(\d+(?:\.\d+)?) ?(mm|millimet(?:er|re)s?|cm|centimet(?:er|re)s?|%|percent|per cent)(?![a-z])/g,
    (m) => {
      const value = Number(m[1]);
      const unit = m[2];
      if (value <= 0) taken.problem = 'By how much should it change?';
      else if (unit === '%' || unit.startsWith('per')) taken.magnitude = { unit: 'percent', value };
      else if (unit.startsWith('c')) taken.magnitude = { unit: 'mm', value: Math.round(value * 1000) / 100 };
      else taken.magnitude = { unit: 'mm', value };
    },
  );
  text = extract(text, /\b(?:by )?(\d+(?:\.\d+)?) ?(voxels?|pixels?|px)\b/g, (m) => {
    taken.problem = `${m[1]} ${m[2]} depends on the image grid; say it in mm or percent (e.g. "by 3 mm").`;
  });
  text = extract(text, /\bby (\d+(?:\.\d+)?)\b/g, (m) => {
    taken.problem = `By ${m[1]} what: mm or percent?`;
  });
  const levels: [RegExp, 'slight' | 'moderate' | 'marked'][] = [
    [/\b(?:slightly|a (?:little )?bit|a little|a tad|a touch|marginally|minimally|just a bit)\b/g, 'slight'],
    [/\b(?:moderately|somewhat|fairly)\b/g, 'moderate'],
    [
      /\b(?:a lot|significantly|substantially|considerably|markedly|massively|hugely|grossly|much (?=smaller|bigger|larger|less|more))\b/g,
      'marked',
    ],
  ];
  for (const [re, level] of levels) {
    text = extract(text, re, () => {
      taken.magnitude ??= { unit: 'qualitative', level };
    });
  }
  // "way too big" / "far too big": the intensity is qualitative, the cue stays.
  text = text.replace(/\b(?:way|far|much) too\b/g, () => {
    taken.magnitude ??= { unit: 'qualitative', level: 'marked' };
    return 'too';
  });
  return { text, taken };
}
