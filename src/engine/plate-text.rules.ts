/**
 * Pure steps of plate verification by reading: CTC greedy decoding of the PP-OCR recogniser's
 * output, and the rule that says whether a read line of text looks like a licence plate.
 * Missing a plate is worse than blurring a sign, so text that cannot be read is kept.
 */

/** A line of text as the recogniser read it. */
export interface Reading {
  text: string;
  /** Probability of each emitted character (same length as `text` in code points). */
  probs: number[];
}

/**
 * The recogniser's classes from its dictionary file (one character a line): class 0 is the CTC
 * blank, classes 1..n the dictionary lines, then a space (PaddleOCR's `use_space_char`).
 */
export function charsetFromDictionary(dictionary: string): string[] {
  const lines = dictionary.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return ['', ...lines, ' '];
}

/**
 * CTC greedy decoding of `probs` ([steps, classes], row-major softmax output): the best class
 * per step, repeats collapsed, blanks (class 0) dropped.
 */
export function ctcGreedy(
  probs: Float32Array,
  steps: number,
  classes: number,
  charset: readonly string[],
): Reading {
  if (probs.length < steps * classes) throw new RangeError('probabilities shorter than their size');
  let text = '';
  const out: number[] = [];
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    const row = t * classes;
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[row + c] > probs[row + best]) best = c;
    if (best !== 0 && best !== previous) {
      text += charset[best] ?? '';
      out.push(probs[row + best]);
    }
    previous = best;
  }
  return { text, probs: out };
}

export type PlateTextVerdict = 'plate' | 'unreadable' | 'not-plate';

export interface PlateTextRules {
  /** Below this mean character probability a reading is not trusted: the line is kept. */
  minConfidence: number;
  /** Plate characters (digits, Latin letters) after separators are removed. */
  minChars: number;
  maxChars: number;
  /** A plate carries at least this many digits. */
  minDigits: number;
  /** Largest share of lower-case letters (plates are upper case; signs and shirts are not). */
  maxLowerShare: number;
  /** Largest share of characters that are neither plate characters nor separators. */
  maxOtherShare: number;
}

/**
 * Chosen on eval-data/plates (120 photos; see models/README.md for the sweep), kept loose:
 * no digit is demanded because US vanity plates ("ZENWDOG") are all letters (demanding one
 * lost 0.12 of recall there), and readings under 0.3 mean confidence are not trusted.
 */
export const DEFAULT_PLATE_TEXT_RULES: PlateTextRules = {
  minConfidence: 0.3,
  minChars: 2,
  maxChars: 9,
  minDigits: 0,
  maxLowerShare: 0.2,
  maxOtherShare: 0.34,
};

const SEPARATOR = /[\s\-·.:•_,'"|/]/u;
const DIGIT = /\p{Nd}/u;
const UPPER = /[A-Z]/;
const LOWER = /[a-z]/;
// A Chinese plate starts with a province character; Korean and Japanese plates carry a syllable.
const CJK = /[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}]/u;

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

/**
 * Whether a read line is plate text: 'plate' (mostly digits and upper-case Latin letters, a
 * plate's length, at least one digit), 'unreadable' (nothing read, or read with low confidence:
 * keep it, it may be a blurry or far plate) or 'not-plate' (a confident reading of other text).
 */
export function judgePlateText(
  reading: Reading,
  rules: PlateTextRules = DEFAULT_PLATE_TEXT_RULES,
): PlateTextVerdict {
  const chars = [...reading.text].filter((ch) => !SEPARATOR.test(ch));
  if (chars.length === 0 || mean(reading.probs) < rules.minConfidence) return 'unreadable';
  let digits = 0;
  let upper = 0;
  let lower = 0;
  let cjk = 0;
  for (const ch of chars) {
    if (DIGIT.test(ch)) digits++;
    else if (UPPER.test(ch)) upper++;
    else if (LOWER.test(ch)) lower++;
    else if (CJK.test(ch)) cjk++;
  }
  const plateChars = digits + upper + lower + Math.min(cjk, 2);
  const other = chars.length - plateChars;
  if (plateChars < rules.minChars || plateChars > rules.maxChars) return 'not-plate';
  if (digits < rules.minDigits) return 'not-plate';
  if (lower > rules.maxLowerShare * chars.length) return 'not-plate';
  if (other > rules.maxOtherShare * chars.length) return 'not-plate';
  return 'plate';
}
