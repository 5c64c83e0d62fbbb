/**
 * What a value looks like: random (a credential), a word or identifier, a number, a placeholder.
 * Assignments (`password=…`, `apiKey: …`) are secrets only when their value looks like one, never
 * because of the key alone; these checks decide that. Every function is linear in its input.
 */

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Luhn checksum, as card numbers carry. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const LOWER = 1;
const UPPER = 2;
const DIGIT = 3;
const OTHER = 0;

function classOf(code: number): number {
  if (code >= 97 && code <= 122) return LOWER;
  if (code >= 65 && code <= 90) return UPPER;
  if (code >= 48 && code <= 57) return DIGIT;
  return OTHER;
}

// The 300 most frequent letter pairs of English prose (counted over the doc comments of
// TypeScript's lib.*.d.ts): 99% of the pairs in English words, 44% of all possible pairs.
const COMMON_PAIRS = new Set(
  "abacadaeagaiakalamanaparasatauavawaxaybabebgbibjblbobrbsbtbubycacccechcickclcocrcsctcucydadbdddedidldndodrdsdtdudyeaebecedeeefegeielemeneoepeqereseteuevewexeyfafefffiflfofrfsftfugagcgegfghgiglgmgngrgsgtguhahehihohrhshtiaibicidieifigiliminioipirisitivixizjejskekikslalbldlelflilllmlolsltlulvlymambmdmemimlmmmompmsmunancndnenfngninknlnnnonpnsntnunvnyoaobocodoeofogoiokolomonoooporosotouovowozpapepiplpoppprpsptpuqurarcrdrerfrgrirkrlrmrnrorrrsrtrurvrwrysascsesfshsiskslsmsospsrssstsusvsytatctdtetfthtitltmtotptrtstttutwtyuaubucudueufuiulumunupurusutvavevgviwawewhwiwowrwsxexixpxtybyeyiylymynyoypysytzezi".match(
    /../g,
  )!,
);

/** Letters, digits and the rest, counted. */
export interface Shape {
  length: number;
  lower: number;
  upper: number;
  digits: number;
  other: number;
  /** Alphanumeric runs split at case and letter/digit changes (`getHTTPServer2` has 4). */
  segments: number;
  /** Adjacent letter pairs inside those runs (case-folded). */
  pairs: number;
  /** Share of those pairs that are common in English: near 1 for words and identifiers, ~0.3 at random. */
  wordiness: number;
}

export function shapeOf(value: string): Shape {
  let lower = 0;
  let upper = 0;
  let digits = 0;
  let other = 0;
  let segments = 0;
  let pairs = 0;
  let common = 0;
  let previous = OTHER;
  for (let i = 0; i < value.length; i++) {
    const cls = classOf(value.charCodeAt(i));
    if (cls === LOWER) lower++;
    else if (cls === UPPER) upper++;
    else if (cls === DIGIT) digits++;
    else other++;
    // A capital followed by lower case continues one word (`Server`); any other change starts a segment.
    const continues = cls !== OTHER && (cls === previous || (previous === UPPER && cls === LOWER));
    if (!continues && cls !== OTHER) segments++;
    if (continues && cls !== DIGIT) {
      pairs++;
      if (COMMON_PAIRS.has(value.slice(i - 1, i + 1).toLowerCase())) common++;
    }
    previous = cls;
  }
  return { length: value.length, lower, upper, digits, other, segments, pairs, wordiness: pairs === 0 ? 0 : common / pairs };
}

// Documentation stand-ins: template syntax, masks, and words that say "not a real value".
const PLACEHOLDER =
  /^(?:%[A-Za-z_]+%|\$[A-Za-z_][A-Za-z0-9_]*|\*+|x+|X+|\.+|-+|_+|0+|1234567890?|12345678)$|change[_-]?me|changeit|example|placeholder|your[_-]|dummy|redacted|not[_-]?a[_-]?real|notreal|fake|sample|replace[_-]?(?:me|with)|insert[_-]|enter[_-]?your|xxxxx|\*\*\*|<|>|\{\{|\$\{/i;

const LITERALS = new Set([
  "true", "false", "null", "nil", "none", "undefined", "yes", "no", "on", "off",
  "string", "number", "boolean", "bigint", "object", "unknown", "never", "any", "void",
  "str", "int", "bytes", "secret", "password", "token", "required", "optional",
]);

/** A version, date, number list or plain number: no credential is all digits and dots. */
const NUMERIC = /^(?:v?\d+(?:[.\-_/]\d+)*(?:[-+][A-Za-z0-9.-]*)?)$/;

/** A negation or a member access written as a value (`!isDone`, `this.token`, `process.env.X`). */
const CODE = /^!|^(?:this|self|process|env|os|config|options|opts|props|args|params|settings|ctx|context|req|request|res)\./;

/** True for values that are templates, masks or documentation stand-ins. */
export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value) || LITERALS.has(value.toLowerCase());
}

function entropyFloor(length: number, hex: boolean): number {
  // Random strings of length n rarely reach log2(n) bits; allow a margin, capped where long random
  // strings sit comfortably above it. Hex has only 16 symbols, so at most 4 bits.
  return hex ? Math.min(3, Math.log2(length) - 1) : Math.min(3.5, Math.log2(length) - 0.7);
}

/** A name with a counter at the end (`symbolTable2`, `Syntax_Colon_0_6023`). */
const COUNTED_NAME = /^[A-Za-z][A-Za-z_$.-]*(?:[_-]?[0-9]{1,5})+$/;

/** Made of words: enough letter pairs, mostly common in English (`estimatorCount2`, `tls-cert-2024`). */
function isWordy(shape: Shape): boolean {
  return shape.pairs >= 4 && shape.wordiness >= 0.8;
}

/**
 * A value assigned to a `token`/`secret`/`apiKey`-like key is a credential when it is long, mixes
 * letters and digits (or both cases, for long base64), has high entropy and is not made of words.
 */
export function looksRandom(value: string): boolean {
  if (value.length < 12 || isPlaceholder(value) || NUMERIC.test(value) || CODE.test(value)) return false;
  const shape = shapeOf(value);
  const alnum = shape.lower + shape.upper + shape.digits;
  if (alnum < 12 || shape.other > alnum / 2) return false;
  const letters = shape.lower + shape.upper;
  const mixed = (letters > 0 && shape.digits > 0) || (value.length >= 24 && shape.lower > 0 && shape.upper > 0);
  // Hex has only the letters a-f, whose pairs read as English too often to judge wordiness by.
  const hex = /^[0-9a-fA-F]+$/.test(value);
  if (!mixed || (!hex && isWordy(shape)) || COUNTED_NAME.test(value)) return false;
  return entropy(value) >= entropyFloor(value.length, hex);
}

/**
 * A value assigned to a `password`-like key: shorter and less random than a token, but never a
 * word or identifier (`newPassword`, `string`), a number, a placeholder or an expression.
 */
export function looksLikePassword(value: string): boolean {
  if (value.length < 8 || isPlaceholder(value) || NUMERIC.test(value) || CODE.test(value)) return false;
  const shape = shapeOf(value);
  const letters = shape.lower + shape.upper;
  if (letters === 0) return false;
  const classes = (shape.digits > 0 ? 1 : 0) + (shape.other > 0 ? 1 : 0) + (shape.lower > 0 && shape.upper > 0 ? 1 : 0);
  // Words and identifiers with nothing random in them (`hashedPassword`, `user.password`) are code.
  if (classes === 0 || (isWordy(shape) && shape.digits === 0 && shape.segments <= 3)) return false;
  return entropy(value) >= 2.5;
}
