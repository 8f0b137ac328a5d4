// The simulated radiologist's phrasings for the correction benchmark (bench/intervention.mjs),
// per kind of error it describes. Placeholders: {X} the structure, {Y} the neighbour or the
// structure the voxels really are, {N} a size in mm, {pole} upper/lower, {dir} up/down, {end}
// top/bottom.
//
// Two parts. `development` is what the interpreter was tuned against. `heldOut` was written before
// any tuning to this benchmark and is never tuned to: its per-command results are not looked at
// while changing the interpreter; only its totals are reported as the benchmark's figures.
export const development = {
  under: [
    'grow the {X}',
    'the {X} is too small',
    'the {X} is undersegmented',
    '{X} missed some tissue, expand it',
  ],
  under_sized: ['grow the {X} by {N} mm', 'the {X} needs {N} mm more'],
  pole: [
    'the {X} continues {dir}, add it',
    'you missed the {pole} pole of the {X}',
    'the {X} is cut off at the {end}',
  ],
  over: ['shrink the {X}', 'the {X} is too big', 'pull the {X} in a little', 'tighten the {X}'],
  over_sized: ['shrink the {X} by {N} mm', 'the {X} is {N} mm too big'],
  leak: ['the {X} leaks into the {Y}', 'exclude the {Y} from the {X}'],
  stray: ['remove the stray {X} blob', 'delete the isolated {X} label', 'get rid of the {X} island'],
  relabel: ['this is {Y}, not {X}', 'take the {Y} label out of the {X}'],
};

export const heldOut = {
  under: [
    'the {X} label is missing tissue',
    'make the {X} bigger',
    '{X} undersegmented, please fix',
    'extend the {X} outline',
  ],
  under_sized: ['enlarge the {X} by {N} millimetres', '{X} is {N} mm too small'],
  pole: [
    'the {X} extends further {dir} than the label',
    'the {pole} end of the {X} is missing',
    '{X} label stops too early at the {end}',
  ],
  over: ['the {X} outline is too generous', 'trim the {X}', '{X} oversegmented', 'make the {X} smaller'],
  over_sized: ['erode the {X} by {N} mm', 'reduce the {X} by {N} millimetres'],
  leak: ['the {X} spills over into the {Y}', '{X} label creeps into the {Y}'],
  stray: [
    'there is a stray fragment of {X}, delete it',
    'remove the separate piece of {X}',
    'the small bit of {X} away from the organ should go',
  ],
  relabel: ['that part is {Y} and not {X}', 'the {Y} is labelled as {X} here', '{X} should be {Y} here'],
};

/** A phrasing with its placeholders filled. */
export function fill(template, slots) {
  return template.replace(/\{(\w+)\}/g, (_, key) => String(slots[key]));
}
