// Between what is said and what is typed. Recognisers write numbers as words ("zero point three",
// "one hundred and twenty") and vertebral levels as letters ("l one"); the built-in interpreter
// reads number words up to ninety-nine but neither decimals nor hundreds, and knows levels as
// "l1". spokenToCommand turns a transcript into the text the interpreter reads; commandToSpoken
// is the reverse, used to say a typed command aloud (benchmark, tests) the way a reader would.
import { alignWords } from './alignWords';

const UNITS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
] as const;
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'] as const;

const unitValue = new Map<string, number>(UNITS.map((w, n) => [w, n]));
const tensValue = new Map<string, number>(
  TENS.map((w, n) => [w, n * 10]).filter(([w]) => w !== '') as [string, number][],
);

/** 0–999 as words: 45 → "forty five", 120 → "one hundred twenty". */
export function integerToWords(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 999) throw new RangeError(`no words for ${n}`);
  if (n < 20) return UNITS[n];
  if (n < 100) return n % 10 === 0 ? TENS[n / 10] : `${TENS[Math.floor(n / 10)]} ${UNITS[n % 10]}`;
  const rest = n % 100;
  return `${UNITS[Math.floor(n / 100)]} hundred${rest ? ` ${integerToWords(rest)}` : ''}`;
}

/** "0.3" → "zero point three", "40" → "forty": digits read one by one after the point. */
export function numberToWords(text: string): string {
  const [whole, fraction] = text.split('.');
  const head = integerToWords(Number(whole));
  if (!fraction) return head;
  return `${head} point ${[...fraction].map((d) => UNITS[Number(d)]).join(' ')}`;
}

/** Reads 1–99 from tokens[at]: "forty five", "twelve"; undefined when no number starts there. */
function readBelowHundred(tokens: string[], at: number): { value: number; next: number } | undefined {
  const tens = tensValue.get(tokens[at]);
  if (tens !== undefined) {
    const unit = unitValue.get(tokens[at + 1] ?? '');
    return unit !== undefined && unit > 0 && unit < 10
      ? { value: tens + unit, next: at + 2 }
      : { value: tens, next: at + 1 };
  }
  const unit = unitValue.get(tokens[at]);
  return unit === undefined ? undefined : { value: unit, next: at + 1 };
}

/** A number in words from tokens[at]: "one hundred and twenty", "zero point three". */
function readNumber(tokens: string[], at: number): { text: string; next: number } | undefined {
  const first = readBelowHundred(tokens, at);
  if (!first) return undefined;
  let value = first.value;
  let next = first.next;
  if (tokens[next] === 'hundred' && value > 0 && value < 10) {
    value *= 100;
    next += 1;
    const and = tokens[next] === 'and' ? 1 : 0;
    const rest = readBelowHundred(tokens, next + and);
    if (rest && rest.value > 0) {
      value += rest.value;
      next = rest.next;
    }
  }
  let text = String(value);
  if (tokens[next] === 'point' && unitValue.get(tokens[next + 1] ?? '') !== undefined) {
    const digits: number[] = [];
    next += 1;
    while ((unitValue.get(tokens[next] ?? '') ?? 10) < 10) digits.push(unitValue.get(tokens[next++])!);
    text += `.${digits.join('')}`;
  }
  return { text, next };
}

/** A transcript ("shrink the spleen by zero point three centimetres") → the command text ("… 0.3 centimetres"). */
export function spokenToCommand(transcript: string): string {
  const tokens = transcript.toLowerCase().trim().split(/\s+/).filter(Boolean);
  const out: string[] = [];
  for (let at = 0; at < tokens.length;) {
    const number = readNumber(tokens, at);
    if (number) {
      out.push(number.text);
      at = number.next;
    } else {
      out.push(tokens[at]);
      at += 1;
    }
  }
  // Vertebral levels are spoken letter by letter: "l one" → "l1", as the catalogue names them.
  return out.join(' ').replace(/\b([ctls]) (\d{1,2})\b/g, '$1$2');
}

/** Abbreviations a reader types but says in full; letters alone are never said for a side. */
const SAID_IN_FULL: [RegExp, string][] = [
  [/\b(?:l|lt)\b(?= (?:kidney|adrenal|lung|kidneys))/g, 'left'],
  [/\b(?:r|rt)\b(?= (?:kidney|adrenal|lung|kidneys))/g, 'right'],
  [/\blt\b/g, 'left'],
  [/\brt\b/g, 'right'],
  [/\bgb\b/g, 'gallbladder'],
  [/\bgall bladder\b/g, 'gallbladder'],
  [/\bivc\b/g, 'inferior vena cava'],
  [/\bsvc\b/g, 'superior vena cava'],
  [/\bwm\b/g, 'white matter'],
  [/\bgm\b/g, 'grey matter'],
  [/\bper cent\b/g, 'percent'],
  [/\bmillimet(?:er|re)s?\b/g, 'millimetres'],
  [/\bcentimet(?:er|re)s?\b/g, 'centimetres'],
];

/**
 * A typed command as a reader would say it: lower case, no punctuation, numbers and units in
 * words ("0.3 cm" → "zero point three centimetres", "10%" → "ten percent"), abbreviations in full.
 */
export function commandToSpoken(command: string): string {
  let t = command
    .toLowerCase()
    // Vertebral levels are said letter then number: "l1" → "l one".
    .replace(/\b([ctls])(\d{1,2})\b/g, '$1 $2')
    .replace(/(\d)\s*%/g, '$1 percent ')
    .replace(/(\d)\s*mm\b/g, '$1 millimetres')
    .replace(/(\d)\s*cm\b/g, '$1 centimetres')
    .replace(/\b(\d+(?:\.\d+)?)\b/g, (m) => ` ${numberToWords(m)} `)
    .replace(/[^a-z ]+/g, ' ');
  for (const [re, said] of SAID_IN_FULL) t = t.replace(re, said);
  return t.replace(/\s+/g, ' ').trim();
}

/** Word error rate of a hypothesis against a reference (both as spoken words), by edit distance. */
export function wordErrors(reference: string, hypothesis: string): { errors: number; words: number } {
  const ref = reference.split(/\s+/).filter(Boolean);
  return { errors: alignWords(ref, hypothesis.split(/\s+/).filter(Boolean)).errors, words: ref.length };
}
