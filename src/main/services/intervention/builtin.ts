// The built-in interpreter: rules over a small lexicon, no model. It is the fallback whenever the
// LLM is missing, slow or wrong, so it must never guess: when the command leaves the structure,
// the action or the place open, it asks; when it is not a correction at all, it refuses.
//
// Reading order: normalise (case, contractions, number words, "3mm" → "3 mm"); take out slice
// references ("slices 38–46", "below slice 40", "these slices", "above this", "here") and
// magnitudes ("by 3 mm", "10%", "slightly"); find structure mentions (longest catalogue phrase
// first) and give each a role — target, neighbour ("into the stomach"), negated ("don't touch the
// spleen") or denied ("this is not liver"); then the action cues and the region words on what is
// left. Slice numbers the user types are the viewer's (1-based); the intervention holds 0-based
// indices. "Above"/"below" are patient terms (superior/inferior), turned into index ranges with
// context.superiorIsIncreasingK.
import {
  HERE_RADIUS_MM,
  checkIntervention,
  displayName,
  type InterpretResult,
  type Intervention,
  type InterventionAction,
  type Region,
  type ViewContext,
} from '../../../shared/intervention';
import { normaliseCommand, takeMagnitude, takeSlices, type Range } from './commandTakes';
import { matchStructureAt, type StructurePhrase } from './lexicon';
import { canonicalRegionWords, piecesOf, readComponent, readRelabel } from './regionWords';

export { normaliseCommand } from './commandTakes';

interface Mention {
  phrase: StructurePhrase;
  start: number;
  end: number;
  /** from: the structure whose voxels a relabel gives to the target. */
  role: 'target' | 'near' | 'negated' | 'notNear' | 'denied' | 'from';
}

const ACTIONS: Record<Exclude<InterventionAction, 'relabel'>, RegExp> = {
  grow: new RegExp(
    [
      '\\b(?:grow|grown|enlarge|expand|extend|dilate|widen|bigger|larger|thicker|wider|undersized|under ?segment\\w*|missed|missing|misses|miss',
      'left out|leaves out|leaving out|cut off|cuts off|not enough|not big enough|not large enough|too (?:small|thin|narrow|tight)',
      'incomplete|fill in|fill|does not (?:cover|reach|include|extend)|do not (?:cover|reach|include)',
      'not (?:included|covered|segmented|labell?ed)|add|more of|bring in|(?:needs?|wants?|should have|could use) (?:a bit |a little |slightly |much |some )?(?:more|bigger|larger))\\b|^(?:please )?include\\b',
    ].join('|'),
  ),
  shrink: new RegExp(
    [
      '\\b(?:shrink|shrunk|reduce|erode|trim|tighten|contract|smaller|thinner|narrower|oversized|too (?:big|large|fat|wide|thick|much|generous|loose)',
      'over ?segment\\w*|leak\\w*|bleed\\w*|spill\\w*|overflow\\w*|(?:extends|extending|goes|going|creeps|creeping|crosses|crossing|runs|running|grows|growing) into',
      'includes|including|contains|containing|covering|covers|invad\\w*|overlap\\w*|overcall\\w*|overestimat\\w*|eating into|encroach\\w*',
      'protrud\\w*|sticks out|sticking out|(?:covered|overlapped|invaded|overlaid) by|exclude|less of|take off|cut back|pull(?: \\S+){0,3} back',
      '(?:needs?|wants?|should have|could use) (?:a bit |a little |slightly |much |some )?(?:less|smaller))\\b',
    ].join('|'),
  ),
  remove:
    /\b(?:remove|delete|erase|clear|get rid of|drop|wipe|eliminate|discard|unlabel|false positive|should not be(?= (?:there|labell?ed|in|on|at)\b|$)|take out|no § ?\d+)\b/,
};

const NEAR_CUE =
  '(?:into|in to|onto|on to|reach|reaches|reaching|up to|near|next to|adjacent to|bordering|beside|close to|towards|toward|around|against|touching|touches|abutting|abuts|over|overlapping(?: with)?|overlaps(?: with)?|covering|covers|includes|including|contains|containing|invading|invades|encroaching on|eating into|at the border with|along|from)';
const FILLER = '(?:(?:the|part of|parts of|some of|a bit of|of|a|an) )';

function assignRoles(cueText: string, mentions: Mention[]): void {
  // A mention keeps the first role a pattern gives it; "exclude X from Y" pins Y as the target.
  const pinned = new Set<number>();
  const set = (re: RegExp, role: Mention['role']) => {
    for (const m of cueText.matchAll(re)) {
      const n = Number(m[1]);
      if (mentions[n].role === 'target' && !pinned.has(n)) mentions[n].role = role;
    }
  };
  set(/\b(?:is|are|that is|this is|it is|that|this) not (?:the |a |an )?(?:real |actual )?§(\d+)/g, 'denied');
  set(
    /\b(?:not|except|away from|but not)(?: any)? (?:near|around|next to|close to|at|by) (?:the )?§(\d+)/g,
    'notNear',
  );
  set(/\baway from (?:the )?§(\d+)/g, 'notNear');
  set(
    /\b(?:not|never|except|without|leave|keep|avoid|spare|but not)\s+(?:(?:the|touch|change|modify|move|alter|affect|edit|any|of|to)\s+){0,3}§(\d+)/g,
    'negated',
  );
  // "exclude the stomach from the liver": the stomach is the neighbour, the liver the label.
  // "the stomach is covered by the liver": the liver is the label that leaks.
  for (const m of cueText.matchAll(
    /§(\d+) (?:\w+ ){0,2}(?:covered|overlapped|invaded|included|overlaid) by (?:the )?§(\d+)/g,
  )) {
    mentions[Number(m[1])].role = 'near';
    pinned.add(Number(m[2]));
  }
  for (const m of cueText.matchAll(/\bexclude (?:the )?§(\d+) from (?:the )?§(\d+)/g)) {
    mentions[Number(m[1])].role = 'near';
    pinned.add(Number(m[2]));
  }
  set(new RegExp(`\\b${NEAR_CUE} ${FILLER}{0,3}§(\\d+)`, 'g'), 'near');
  set(/\b(?:at|along|on) (?:the )?§(\d+) (?:border|boundary|interface|side|edge|margin)/g, 'near');
}

/** Turns the command into a one-word-per-token stream with § placeholders for structures. */
function findMentions(text: string): { mentions: Mention[]; cueText: string } {
  const tokens = text
    .replace(/[^a-z0-9§ ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
  const mentions: Mention[] = [];
  const out: string[] = [];
  for (let at = 0; at < tokens.length;) {
    const phrase = matchStructureAt(tokens, at);
    if (phrase) {
      out.push(`§${mentions.length}`);
      mentions.push({ phrase, start: at, end: at + phrase.tokens.length, role: 'target' });
      at += phrase.tokens.length;
    } else {
      out.push(tokens[at]);
      at += 1;
    }
  }
  return { mentions, cueText: out.join(' ') };
}

function intersect(ranges: Range[]): Range | 'empty' | undefined {
  if (ranges.length === 0) return undefined;
  const from = Math.max(...ranges.map((r) => r.from));
  const to = Math.min(...ranges.map((r) => r.to));
  return from <= to ? { from, to } : 'empty';
}

function pick<T extends string>(text: string, options: [T, RegExp][]): T | 'conflict' | undefined {
  const found = options.filter(([, re]) => re.test(text)).map(([v]) => v);
  return found.length > 1 ? 'conflict' : found[0];
}

/** A side word on its own; "left out", "left over" are the verb. */
const SIDE_WORD = {
  left: /\b(?:left(?! (?:out|over|behind|alone))|lt)\b/,
  right: /\b(?:right|rt)\b/,
} as const;

const clarify = (question: string, options?: string[]): InterpretResult =>
  options && options.length > 0 ? { kind: 'clarify', question, options } : { kind: 'clarify', question };

/** Replaces the first occurrence of a structure phrase in the normalised command. */
function substitute(norm: string, phrase: StructurePhrase, replacement: string): string {
  const re = new RegExp(`\\b${phrase.tokens.join('[^a-z0-9]+')}\\b`);
  return norm.replace(re, replacement);
}

export function interpretBuiltIn(command: string, context: ViewContext): InterpretResult {
  const norm = normaliseCommand(command);
  if (!/[a-z]/.test(norm))
    return { kind: 'refuse', reason: 'Type what is wrong, e.g. "shrink the liver by 3 mm".' };
  if (/^(?:please )?(?:undo|redo|revert|go back)\b/.test(norm)) {
    return { kind: 'refuse', reason: 'Undo and redo are the buttons next to the correction, not commands.' };
  }

  const slices = takeSlices(norm, context);
  const sized = takeMagnitude(slices.text);
  const found = findMentions(sized.text);
  const { mentions } = found;
  const cueText = canonicalRegionWords(found.cueText);
  assignRoles(cueText, mentions);
  // "This is pancreas, not liver": the liver's voxels here become pancreas.
  const relabel = readRelabel(cueText);
  if (relabel && mentions[relabel.to] && mentions[relabel.from] && relabel.to !== relabel.from) {
    mentions[relabel.to].role = 'target';
    mentions[relabel.from].role = 'from';
  }

  let action: InterventionAction | 'conflict' | undefined = relabel
    ? 'relabel'
    : pick<Exclude<InterventionAction, 'relabel'>>(cueText, [
        ['grow', ACTIONS.grow],
        ['shrink', ACTIONS.shrink],
        ['remove', ACTIONS.remove],
      ]);
  if (action === 'conflict') {
    const found = (['grow', 'shrink', 'remove'] as const).filter((a) => ACTIONS[a].test(cueText));
    // "remove the part that leaks into the stomach" is one shrink, not two actions.
    if (found.length === 2 && found.includes('shrink') && found.includes('remove')) action = 'shrink';
  }
  // A sized removal ("remove 3 mm of the liver") moves a boundary: that is shrink.
  if (action === 'remove' && sized.taken.magnitude) action = 'shrink';

  const targets = mentions.filter((m) => m.role === 'target');
  const denied = mentions.filter((m) => m.role === 'denied');
  const negated = mentions.filter((m) => m.role === 'negated');
  const notNear = mentions.filter((m) => m.role === 'notNear');
  const nearMentions = mentions.filter((m) => m.role === 'near');
  const fromMention = mentions.find((m) => m.role === 'from');

  // "Is the liver too big?" asks; "can you shrink the liver?" and "shrink it?" command.
  const asks =
    /^(?:what|how|why|when|who|which|where)\b/.test(norm) ||
    (/\?$/.test(norm) && /^(?:is|are|was|were|does|do|did|has|have)\b/.test(norm));
  if (
    asks ||
    (!action &&
      (/\?$/.test(norm) ||
        /\b(?:show|display|open|zoom|hide|scroll|go to|navigate|measure|volume of|how big|describe|explain)\b/.test(
          norm,
        )))
  ) {
    return {
      kind: 'refuse',
      reason: `That reads as ${asks || /\?$/.test(norm) ? 'a question' : 'a viewing command'}; I only apply corrections (e.g. "the liver is too big here").`,
    };
  }
  if (
    /\b(?:study|series|patient|report|file|everything|all (?:the )?(?:labels|segments|segmentations|structures|organs))\b/.test(
      cueText,
    ) &&
    targets.length === 0
  ) {
    return {
      kind: 'refuse',
      reason:
        'Corrections change one structure at a time; whole studies or segmentations are managed in their panels.',
    };
  }

  // "This is not liver": the user denies a label here. Removing is the likely wish; ask first.
  if (denied.length > 0 && targets.length === 0 && !action) {
    const name = resolveSide(denied[0].phrase, cueText, context);
    if (typeof name === 'string') {
      return clarify(`Should I remove the ${displayName(name)} label here?`, [
        `remove the ${displayName(name)} label here`,
      ]);
    }
  }
  if (notNear.length > 0) {
    return clarify(
      `I can limit a correction to where the structure meets a neighbour, not to everywhere except there. Which slices should change instead?`,
    );
  }

  let target: string | undefined;
  let targetPhrase: StructurePhrase | undefined;
  const all = [...targets, ...denied];
  const distinct = new Set(all.map((m) => m.phrase.candidates.join('|')));
  if (distinct.size > 1) {
    return clarify(
      `One structure at a time: which of ${[...distinct].map((d) => displayName(d.split('|')[0])).join(' or ')} first?`,
    );
  }
  if (all.length > 0) {
    targetPhrase = all[0].phrase;
    const resolved = resolveSide(targetPhrase, cueText, context);
    if (typeof resolved !== 'string') {
      if (resolved.visible.length === 0) {
        return clarify(
          `No ${targetPhrase.tokens.join(' ')} is in this segmentation (it has: ${shownList(context)}). Which structure should change?`,
        );
      }
      return clarify(
        `Which one: ${resolved.visible.map(displayName).join(' or ')}?`,
        resolved.visible.map((name) => substitute(norm, targetPhrase!, `${displayName(name)}`)),
      );
    }
    target = resolved;
  } else if (negated.length > 0 && !action) {
    return {
      kind: 'refuse',
      reason: `That says what to leave alone (${negated.map((m) => displayName(m.phrase.candidates[0])).join(', ')}); nothing to change.`,
    };
  } else if (context.selectedStructure && (action || nearMentions.length > 0)) {
    // No structure named: the one selected in the segment panel is what "it" refers to.
    target = context.selectedStructure;
  }

  const wantsFix = /\b(?:fix|correct|wrong|incorrect|inaccurate|bad|off|error)\b/.test(cueText);
  if (!action && !wantsFix && target === undefined && nearMentions.length === 0 && negated.length === 0) {
    return {
      kind: 'refuse',
      reason: 'That is not a correction I can read; say what is wrong, e.g. "the spleen is too big".',
    };
  }
  if (target === undefined) {
    const options = [...context.visibleStructures]
      .sort((a, b) => Number(b === context.selectedStructure) - Number(a === context.selectedStructure))
      .slice(0, 4)
      .map((name) => `${norm}: ${displayName(name)}`);
    return clarify(
      action
        ? 'Which structure should change?'
        : 'Which structure is wrong, and how (too big, missing a part, or not there)?',
      action ? options : undefined,
    );
  }
  if (action === 'conflict') {
    return clarify(
      `Should the ${displayName(target)} be grown, shrunk or removed? The command says more than one.`,
    );
  }
  if (!action) {
    return clarify(
      `What should change about the ${displayName(target)}: grow it, shrink it, or remove it here?`,
      ['grow', 'shrink', 'remove'].map((verb) => `${verb} ${norm}`),
    );
  }

  if (slices.where.problem) return clarify(slices.where.problem);
  if (sized.taken.problem) return clarify(sized.taken.problem);

  const region: Region = {};
  const range = intersect(slices.where.ranges);
  if (range === 'empty') return clarify('Those slice references do not overlap; which slices did you mean?');
  if (range) region.slices = range;
  if (slices.where.point) region.point = slices.where.point;
  // "This is not liver, remove it" is about the place on screen, never the whole organ.
  if (all[0]?.role === 'denied' && !region.slices && !region.point) {
    if (context.cursor) region.point = { ...context.cursor, radiusMm: HERE_RADIUS_MM };
    else region.slices = { from: context.currentSlice, to: context.currentSlice };
  }

  const rest = cueText.replace(/§\d+/g, ' ');
  let from: string | undefined;
  if (action === 'relabel' && fromMention) {
    const resolved = resolveSide(fromMention.phrase, cueText, context);
    if (typeof resolved !== 'string') {
      return clarify(`Which label is wrong here: ${resolved.visible.map(displayName).join(' or ')}?`);
    }
    from = resolved;
  }
  const pieces = piecesOf(action, readComponent(cueText), region, rest, context, target, from);
  if (typeof pieces === 'string') return clarify(pieces);
  const craniocaudal = pick(rest, [
    ['superior', /\b(?:upper|top|superior|superiorly|cranial|cranially|cephalad|dome|upwards?)\b/],
    ['inferior', /\b(?:lower|bottom|inferior|inferiorly|caudal|caudally|lowest|downwards?)\b/],
  ]);
  const anteroposterior = pick(rest, [
    ['anterior', /\b(?:anterior|anteriorly|front|ventral|ventrally)\b/],
    ['posterior', /\b(?:posterior|posteriorly|dorsal|dorsally|behind|back part|at the back|in the back)\b/],
  ]);
  const mediolateral = pick(rest, [
    ['medial', /\b(?:medial|medially|hilum|hilar|inner)\b/],
    ['lateral', /\b(?:lateral|laterally|outer)\b/],
  ]);
  const side =
    targetPhrase && !targetPhrase.sided && targetPhrase.candidates.length > 1
      ? undefined // the free side word chose the structure (resolveSide)
      : pick(rest, [
          ['left', SIDE_WORD.left],
          ['right', SIDE_WORD.right],
        ]);
  for (const [value, what] of [
    [craniocaudal, 'upper or lower'],
    [anteroposterior, 'front or back'],
    [mediolateral, 'medial or lateral'],
    [side, 'left or right'],
  ] as const) {
    if (value === 'conflict') return clarify(`Which part: ${what}? The command names both.`);
  }
  if (craniocaudal) region.craniocaudal = craniocaudal as Region['craniocaudal'];
  if (anteroposterior) region.anteroposterior = anteroposterior as Region['anteroposterior'];
  if (mediolateral) region.mediolateral = mediolateral as Region['mediolateral'];
  if (side) region.side = side as Region['side'];

  // Named sub-parts ("the pancreatic tail", "the caudate lobe") have no place in a Region; without
  // slices or a point to place them, dropping the word would silently widen the change.
  const part = /\b(tail|head|neck|body|fundus|antrum|lobe|segment|isthmus|uncinate|root|arch)\b/.exec(rest);
  if (part && !region.slices && !region.point) {
    return clarify(
      `I cannot find the ${part[1]} of the ${displayName(target)} by name. On which slices is it (or put the cursor on it and say "here")?`,
    );
  }

  const nears = new Set<string>();
  for (const m of nearMentions) {
    const n = resolveSide(m.phrase, cueText, context);
    if (typeof n !== 'string') {
      return clarify(
        `Near which one: ${(n.visible.length ? n.visible : m.phrase.candidates).map(displayName).join(' or ')}?`,
      );
    }
    if (n !== target) nears.add(n);
  }
  if (nears.size > 1) return clarify(`Near which neighbour: ${[...nears].map(displayName).join(' or ')}?`);
  if (nears.size === 1) region.near = [...nears][0];

  const intervention: Intervention = { action, target, ...(from ? { from } : {}), region };
  if (sized.taken.magnitude && action !== 'remove') intervention.magnitude = sized.taken.magnitude;
  return checkIntervention(intervention, context);
}

function shownList(context: ViewContext): string {
  return context.visibleStructures.map(displayName).join(', ') || 'nothing';
}

/**
 * One structure for a phrase: itself when it names one; for a group ("kidney", "kidneys"), the
 * member chosen by a free side word ("the kidney on the left"), else the only visible member, else
 * the selected one; otherwise the visible members to ask about.
 */
function resolveSide(
  phrase: StructurePhrase,
  cueText: string,
  context: ViewContext,
): string | { visible: string[] } {
  if (phrase.candidates.length === 1) return phrase.candidates[0];
  let candidates = phrase.candidates;
  const rest = cueText.replace(/§\d+/g, ' ');
  const sides = (['left', 'right'] as const).filter((s) => SIDE_WORD[s].test(rest));
  if (sides.length === 1) {
    const sided = candidates.filter((c) => c.split('_').includes(sides[0]));
    if (sided.length > 0) candidates = sided;
  }
  const visible = candidates.filter((c) => context.visibleStructures.includes(c));
  if (candidates.length === 1) return candidates[0];
  if (visible.length === 1) return visible[0];
  if (context.selectedStructure && visible.includes(context.selectedStructure))
    return context.selectedStructure;
  return { visible };
}
