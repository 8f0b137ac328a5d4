// Region and action words the built-in interpreter reads as general mechanisms: synonyms rewritten
// to one canonical cue (a pole that "continues up" is a missed upper pole; "pull in" is shrink),
// words for a structure's pieces ("stray", "island", "blob", "the bit away from the organ"), and
// the relabel patterns ("this is X, not Y", "take X out of Y", "Y should be X"). The patterns
// work on the cue text, where each structure mention is a § placeholder (§0, §1, …). `piecesOf` says
// where a piece or relabel command points, or what to ask when it names no place.

import {
  HERE_RADIUS_MM,
  displayName,
  type InterventionAction,
  type Region,
  type ViewContext,
} from '../../../shared/intervention';

/** Phrase → canonical cue, applied to the normalised command in order. */
const CANONICAL: [RegExp, string][] = [
  // A structure that goes on beyond where its label ends: a missed pole on that side.
  [
    /\b(?:continues|continuing|extends|extending|goes|going|carries on|runs|keeps going|reaches|is longer|should go|should extend|should continue)(?: further| more| much)? (?:up|upwards?|higher|cranially|superiorly|toward the head|towards the head)\b/g,
    'missed upper',
  ],
  [
    /\b(?:continues|continuing|extends|extending|goes|going|carries on|runs|keeps going|reaches|is longer|should go|should extend|should continue)(?: further| more| much)? (?:down|downwards?|lower|caudally|inferiorly|toward the feet|towards the feet)\b/g,
    'missed lower',
  ],
  // "Ends too high" means the lower end is missing; "stops too low" the upper one.
  [
    /\b(?:ends|stops|finishes|is cut|cut short|cuts out|truncated) (?:too |a bit )?(?:high|early at the bottom|short at the bottom)\b/g,
    'missed lower',
  ],
  [
    /\b(?:ends|stops|finishes|is cut|cut short|cuts out|truncated) (?:too |a bit )?(?:low|early at the top|short at the top)\b/g,
    'missed upper',
  ],
  [
    /\b(?:cut off|truncated|chopped off|clipped|cut short|stops short|ends early) (?:at|on) the (top|upper end|upper side)\b/g,
    'missed upper',
  ],
  [
    /\b(?:cut off|truncated|chopped off|clipped|cut short|stops short|ends early) (?:at|on) the (bottom|lower end|lower side)\b/g,
    'missed lower',
  ],
  [
    /\b(?:top|upper end|tip|apex|dome) (?:is |was )?(?:missing|missed|cut off|not included|left out)\b/g,
    'missed upper',
  ],
  [
    /\b(?:bottom|lower end|lowest part) (?:is |was )?(?:missing|missed|cut off|not included|left out)\b/g,
    'missed lower',
  ],
  // Pulling the boundary in is shrinking it.
  [/\b(?:pull|draw|tuck|rein|suck)((?: \S+){0,3}) in(?=$| )/g, 'shrink$1'],
  [/\b(?:hug|hugs|hugging) (?:the )?(?:edge|edges|boundary|boundaries|organ|contour)\b/g, 'tighten'],
  [
    /\b(?:pare|pare back|shave|shave off|peel|peel back|cinch|snug up|slim|slim down|tighter|too loose|too generous)\b/g,
    'tighten',
  ],
];

export function canonicalRegionWords(text: string): string {
  return CANONICAL.reduce((t, [re, cue]) => t.replace(re, cue), text);
}

/** Words for a piece of a structure that is not its main body. */
const STRAY_WORDS =
  /\b(?:stray|strays|island|islands|islet|isolated|separate|separated|disconnected|detached|unconnected|not connected|floating|free floating|orphan|orphaned|satellite|satellites|outlier|outliers|spurious|dangling|loose|blob|blobs|fragment|fragments|speck|specks|spot|spots|splotch|chunk|nub|extra (?:piece|bit|part|region)|(?:bit|piece|part|region|area|portion)s? (?:away|apart|separate|off) from|(?:away|apart|separate|separated|detached|disconnected|distant) from (?:the )?(?:organ|rest|main|main body|body|bulk|structure|others?))\b/;
/** A piece pointed at: "this blob", "that island", "the piece under the cursor". */
const POINTED_PIECE =
  /\b(?:this|that|the one|the piece|the bit) (?:(?:small|little|tiny|stray|isolated|separate) )?(?:blob|island|piece|fragment|speck|chunk|component)\b|\b(?:under|at) the cursor\b/;

/** "stray" for words about pieces away from the main body; "pointed" when the words point at one. */
export function readComponent(cueText: string): 'stray' | 'pointed' | undefined {
  const rest = cueText.replace(/§\d+/g, ' ').replace(/\s+/g, ' ');
  if (POINTED_PIECE.test(rest) && !/\b(?:stray|islands|blobs|fragments|specks|all)\b/.test(rest))
    return 'pointed';
  return STRAY_WORDS.test(rest) ? 'stray' : undefined;
}

const ART = '(?:(?:the|a|an|really|actually|in fact|truly|part of the|part of) )*';
const LABEL = '(?: (?:label|labels|segment|mask|voxels))?';

/** Relabel patterns: [regex, which capture is the structure the voxels become, which the one they leave]. */
const RELABEL: [RegExp, number, number][] = [
  // "this is pancreas, not liver", "pancreas not liver"
  [new RegExp(`§(\\d+)${LABEL} (?:and |but )?not ${ART}§(\\d+)`), 1, 2],
  // "this is not liver, it is pancreas", "not liver but pancreas", "isn't liver, should be pancreas"
  [
    new RegExp(
      `\\bnot ${ART}§(\\d+)${LABEL} (?:(?:it|this|that|which) (?:is|s) |but |rather |instead |it should be |should be |(?:it|this|that) should be )${ART}§(\\d+)`,
    ),
    2,
    1,
  ],
  // "take the right kidney label out of the left kidney", "separate the pancreas from the liver"
  [
    new RegExp(
      `\\b(?:take|move|pull|get|split|separate|carve|cut|peel) ${ART}§(\\d+)${LABEL} (?:out of|away from|from|off) ${ART}§(\\d+)`,
    ),
    1,
    2,
  ],
  // "relabel the liver as pancreas", "change the liver to pancreas", "liver should be pancreas"
  [
    new RegExp(
      `\\b(?:relabel|re label|recolou?r|reassign|change|switch|convert|turn|make) ${ART}§(\\d+)${LABEL} (?:as|to|into|in to) ${ART}§(\\d+)`,
    ),
    2,
    1,
  ],
  [
    new RegExp(
      `§(\\d+)${LABEL} (?:here |there )?(?:should be|must be|is really|is actually|is in fact|belongs to) ${ART}§(\\d+)`,
    ),
    2,
    1,
  ],
  // "the pancreas is labelled as liver", "pancreas mislabelled as liver"
  [
    new RegExp(
      `§(\\d+)(?: (?!§)\\S+){0,3} (?:is |was |has been |got )?(?:mis ?labell?ed|labell?ed|marked|segmented|called|included|coloured|colored|painted|classified) (?:as|in|into|with) ${ART}§(\\d+)`,
    ),
    1,
    2,
  ],
];

/** The mention whose voxels become another's (`from`) and that other (`to`), or null. */
export function readRelabel(cueText: string): { to: number; from: number } | null {
  for (const [re, to, from] of RELABEL) {
    const m = re.exec(cueText);
    if (m) return { to: Number(m[to]), from: Number(m[from]) };
  }
  return null;
}

/** Words for part of a structure: a removal with them and no place would delete all of it. */
export const PARTIAL =
  /\b(?:bit|bits|piece|pieces|part|parts|portion|some|small|little|tiny|area|region|spot|patch|chunk)\b/;

/** Words that point at a place on screen ("this part", "here"), which a relabel then needs. */
export const DEICTIC = /\b(?:this|that|these|those|here|there)\b/;

/**
 * Narrows `region` to the pieces the words name (stray pieces, the piece at the cursor) and gives a
 * relabel its place; returns a question when the place is missing. Grow has no pieces to name.
 */
export function piecesOf(
  action: InterventionAction,
  component: 'stray' | 'pointed' | undefined,
  region: Region,
  rest: string,
  context: ViewContext,
  target: string,
  from: string | undefined,
): string | null {
  const pointAt = () => {
    region.point ??= context.cursor ? { ...context.cursor, radiusMm: HERE_RADIUS_MM } : undefined;
    return region.point !== undefined;
  };
  const placed = region.slices !== undefined || region.point !== undefined;
  // "Delete the small bit of liver" names a part without saying where: ask, never delete it all.
  if (action === 'remove' && !placed && !component && PARTIAL.test(rest)) {
    return `Which part of the ${displayName(target)}? Put the cursor on it and say "this piece", or name the slices.`;
  }
  // A piece word with "here" or "at the cursor" points at one piece.
  if (component === 'stray' && region.point) component = 'pointed';
  if (component === 'pointed' && action !== 'grow') {
    if (!pointAt()) return 'Which piece? Put the cursor on it and say "this piece", or name its slices.';
    region.component = 'pointed';
  } else if (component === 'stray' && action !== 'grow') {
    region.component = 'stray';
  } else if (action === 'relabel' && !placed) {
    // "This is pancreas, not liver" points at the screen; "take X out of Y" names no place, so
    // it means the pieces of Y away from its main body — never Y as a whole.
    if (!DEICTIC.test(rest)) region.component = 'stray';
    else if (!pointAt()) {
      return `Where is the ${displayName(target)} labelled as ${displayName(from ?? '')}? Put the cursor on it and say "here", or name the slices.`;
    }
  }
  return null;
}
