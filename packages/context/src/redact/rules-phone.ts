/**
 * Phone numbers, validated by libphonenumber-js's metadata for every country (international format)
 * or the configured region (national format). That library is far from linear on long runs of
 * digits and separators (about 9 s per MB of `1 1 1 …`), so it only ever sees candidates of at most
 * six space-separated chunks (France's usual grouping: country code, one digit, four pairs) that already have the
 * shape of a phone number.
 */
import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";
import type { Detector } from "./detector.js";

// A run of digits and phone punctuation, not glued to a word, a version or a path. Runs are
// disjoint, and each is split into chunks at spaces, so a list of numbers (`NNN-NNN-NNNN
// NNN-NNN-NNNN`) yields each number and a megabyte of digits stays linear.
const PHONE_RUN = /(?<![\w+\-./])[+(]?\d[\d ().+-]*/g;
const PHONE_WORDS = /\b(?:tel|phone|call|mobile|cell|fax|sms|whatsapp|contact|dial|text me|reach me)\b/i;
const MAX_CHUNKS = 6;
const WORD_WINDOW = 32;

/** Groups, separators and dates: the shape of a phone number, before libphonenumber is asked. */
function phoneShapeOk(candidate: string, international: boolean): boolean {
  if (/[ .()-]{2,}/.test(candidate.replace(/\) /g, ")").replace(/ \(/g, "("))) return false;
  const groups = candidate.split(/[^\d]+/).filter((g) => g !== "");
  if (groups.length > 6) return false;
  // Single-digit groups only as a country code after `+` or the NANP trunk `1`, or as the first
  // digit after a country code (France's and the Netherlands' mobiles); a national subscriber number
  // ends in a group of 3 or more (`2022-10-13 09` is a date and an hour). After `+`, a pair ends it
  // too (France's grouping): the country code already says it is a phone number.
  if (groups.some((g, i) => g.length === 1 && !((i === 0 && (international || g === "1")) || (i === 1 && international)))) return false;
  if (groups.length > 1 && groups.at(-1)!.length < (international ? 2 : 3)) return false;
  if (/^\d{4}-\d{2}-\d{2}$|^\d{1,3}(?:\.\d{1,3}){3}$/.test(candidate)) return false;
  const separators = new Set(candidate.replace(/[\d()+]/g, ""));
  return separators.size <= 2 && !(separators.has(".") && separators.size > 1);
}

export function phoneDetector(defaultCountry: CountryCode): Detector {
  return {
    kinds: ["phone"],
    keywords: [],
    find(text, out) {
      // libphonenumber costs tens of microseconds a call; a text that repeats a number pays once.
      const verdicts = new Map<string, boolean>();
      const isValid = (candidate: string, international: boolean) => {
        let valid = verdicts.get(candidate);
        if (valid === undefined) {
          valid = parsePhoneNumberFromString(candidate, international ? undefined : defaultCountry)?.isValid() ?? false;
          if (verdicts.size >= 4096) verdicts.clear();
          verdicts.set(candidate, valid);
        }
        return valid;
      };
      // Per chunk of the current run: start, end, digit count, and whether it is punctuated like a
      // phone number (`-`, `.`, parentheses). Flat arrays, reused across runs.
      const starts: number[] = [];
      const ends: number[] = [];
      const digitCounts: number[] = [];
      const punctuatedBefore: number[] = []; // punctuated chunks before chunk k
      PHONE_RUN.lastIndex = 0;
      for (let m = PHONE_RUN.exec(text); m !== null; m = PHONE_RUN.exec(text)) {
        const runStart = m.index;
        const runEnd = runStart + m[0].length;
        starts.length = ends.length = digitCounts.length = 0;
        punctuatedBefore.length = 1;
        punctuatedBefore[0] = 0;
        for (let i = runStart; i < runEnd; ) {
          while (i < runEnd && text.charCodeAt(i) === 32) i++;
          const start = i;
          let digits = 0;
          let punct = false;
          let open = false;
          let end = i;
          for (; i < runEnd && text.charCodeAt(i) !== 32; i++) {
            const code = text.charCodeAt(i);
            if (code >= 48 && code <= 57) digits++;
            else if (code === 45 || code === 46 || code === 40) punct = true;
            if (code === 40) open = true;
            // A chunk ends with its last digit, or a `)` that closes a `(`: `2671.` at the end of a
            // sentence is `2671`, and `2147483647)` closing a call is a number, not `(NNN)`.
            if ((code >= 48 && code <= 57) || (code === 41 && open)) end = i + 1;
          }
          if (end > start) {
            starts.push(start);
            ends.push(end);
            digitCounts.push(digits);
            punctuatedBefore.push(punctuatedBefore.at(-1)! + (punct ? 1 : 0));
          }
        }
        for (let i = 0; i < starts.length; i++) {
          const start = starts[i]!;
          const international = text.charCodeAt(start) === 43 || text.startsWith("(+", start);
          // A national number needs the look of one or a phone word shortly before it: `512 256
          // 1024` in a list of sizes is not a phone number. Only chunks near the start of the run
          // can have a word in reach, so the word test runs a bounded number of times per run.
          let nearWord: boolean | undefined;
          const last = Math.min(starts.length, i + MAX_CHUNKS) - 1;
          let digits = 0;
          for (let k = i; k <= last; k++) digits += digitCounts[k]!;
          // The longest valid candidate starting at chunk i wins; then scanning goes on after it.
          for (let j = last; j >= i; digits -= digitCounts[j]!, j--) {
            if (digits < 7 || digits > 15) continue;
            if (!international && punctuatedBefore[j + 1]! === punctuatedBefore[i]!) {
              nearWord ??= start - runStart < WORD_WINDOW && PHONE_WORDS.test(text.slice(Math.max(0, start - WORD_WINDOW), start));
              if (!nearWord) continue;
            }
            const candidate = text.slice(start, ends[j]);
            if (!phoneShapeOk(candidate, international) || !isValid(candidate, international)) continue;
            out.push({ kind: "phone", start, end: ends[j]! });
            i = j;
            break;
          }
        }
      }
    },
  };
}
