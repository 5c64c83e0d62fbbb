/**
 * Personal data: email addresses, phone numbers (validated by libphonenumber-js), card numbers
 * (Luhn), US social security numbers and IBANs (checksum by ibantools). Each scanner bounds what
 * it looks at: an email is read at most 64 characters left and 253 right of its `@`, and a phone
 * candidate is at most 30 characters long before libphonenumber sees it, because that library is
 * far from linear on long runs of digits and separators.
 */
import { electronicFormatIBAN, isValidIBAN } from "ibantools";
import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";
import { passesLuhn } from "./classify.js";
import { regexDetectors, type Detector } from "./detector.js";

function isLocalChar(code: number): boolean {
  // Letters, digits and . _ % + - as RFC 5322 local parts use in practice.
  return (
    (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) ||
    code === 46 || code === 95 || code === 37 || code === 43 || code === 45
  );
}

function isDomainChar(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 45 || code === 46;
}

// A "top-level domain" that is really a file extension (`logo@2x.png`, `icon@3x.webp`).
const FILE_EXTENSIONS = new Set([
  "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp", "tif", "tiff", "pdf", "css", "scss", "js",
  "mjs", "cjs", "ts", "tsx", "jsx", "json", "md", "txt", "html", "htm", "xml", "yaml", "yml", "zip", "gz",
  "tgz", "map", "wasm", "lock", "log", "csv", "mp3", "mp4", "woff", "woff2", "ttf", "otf", "vue", "py", "rb",
]);
// RFC 2606 / 6761 names reserved for documentation: not anybody's address.
const RESERVED_DOMAIN = /(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost)$/i;

/**
 * Emails, found from each `@`: the local part is read leftwards (at most 64 characters, as RFC 5321
 * allows) and the domain rightwards, so `a@a@a@…` costs one step per character. `git@github.com`
 * (an SSH remote) and `user@host:path` are not addresses.
 */
const emails: Detector = {
  kinds: ["email"],
  keywords: ["@"],
  find(text, out) {
    for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
      let start = at;
      while (start > 0 && at - start <= 64 && isLocalChar(text.charCodeAt(start - 1))) start--;
      if (start === at || at - start > 64) continue;
      while (text[start] === ".") start++;
      const before = text[start - 1];
      if (before === ":" && !text.slice(Math.max(0, start - 7), start).toLowerCase().endsWith("mailto:")) continue;
      if (before === "/" || before === "@") continue;
      let end = at + 1;
      while (end < text.length && end - at <= 253 && isDomainChar(text.charCodeAt(end))) end++;
      while (end > at + 1 && (text[end - 1] === "." || text[end - 1] === "-")) end--;
      const domain = text.slice(at + 1, end);
      const labels = domain.split(".");
      const tld = labels.at(-1)!;
      if (labels.length < 2 || labels.some((label) => label === "" || label.length > 63)) continue;
      if (!/^(?:[A-Za-z]{2,24}|xn--[A-Za-z0-9-]{2,59})$/.test(tld) || FILE_EXTENSIONS.has(tld.toLowerCase())) continue;
      if (RESERVED_DOMAIN.test(domain) || text.slice(start, at) === "git") continue;
      if (text[end] === ":" && /[\w/~.]/.test(text[end + 1] ?? "")) continue;
      out.push({ kind: "email", start, end });
      at = end - 1;
    }
  },
};

// A run of digits and phone punctuation, not glued to a word, a version or a path. Runs are
// disjoint, and a run is split into candidates of at most five space-separated chunks, so a list of
// numbers (`NNN-NNN-NNNN NNN-NNN-NNNN`) yields each number and a megabyte of digits stays linear.
const PHONE_RUN = /(?<![\w+\-./])[+(]?\d[\d ().+-]*/g;
const PHONE_WORDS = /\b(?:tel|phone|call|mobile|cell|fax|sms|whatsapp|contact|dial|text me|reach me)\b/i;
const MAX_CHUNKS = 5;

function phoneShapeOk(candidate: string, international: boolean, text: string, start: number): boolean {
  if (/[ .()-]{2,}/.test(candidate.replace(/\) /g, ")").replace(/ \(/g, "("))) return false;
  const groups = candidate.split(/[^\d]+/).filter((g) => g !== "");
  const digits = groups.join("").length;
  if (digits < 7 || digits > 15 || groups.length > 6) return false;
  // Single-digit groups only as a country code after `+` or the NANP trunk `1`; a subscriber
  // number ends in a group of 3 or more (`2022-10-13 09` is a date and an hour).
  if (groups.some((g, i) => g.length === 1 && !(i === 0 && (international || g === "1")))) return false;
  if (groups.length > 1 && groups.at(-1)!.length < 3) return false;
  if (/^\d{4}-\d{2}-\d{2}$|^\d{1,3}(?:\.\d{1,3}){3}$/.test(candidate)) return false;
  const separators = new Set(candidate.replace(/[\d()+]/g, ""));
  if (separators.size > 2 || (separators.has(".") && separators.size > 1)) return false;
  if (international) return true;
  // A national number needs the look of one (`NNN-NNN-NNNN`, `(NNN) NNN NNNN`) or a phone word
  // shortly before it: `512 256 1024` in a list of sizes is not a phone number.
  const formatted = separators.has("-") || separators.has(".") || candidate.includes("(");
  return formatted || PHONE_WORDS.test(text.slice(Math.max(0, start - 32), start));
}

function phoneDetector(defaultCountry: CountryCode): Detector {
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
      PHONE_RUN.lastIndex = 0;
      for (let m = PHONE_RUN.exec(text); m !== null; m = PHONE_RUN.exec(text)) {
        // Chunks: [start, end) of each space-separated piece, trailing punctuation trimmed.
        const chunks: [start: number, end: number, digits: number][] = [];
        const chunk = /[^ ]+/g;
        for (let c = chunk.exec(m[0]); c !== null; c = chunk.exec(m[0])) {
          let end = c.index + c[0].length;
          while (end > c.index && !/[\d)]/.test(m[0][end - 1]!)) end--;
          if (end > c.index) chunks.push([m.index + c.index, m.index + end, c[0].replace(/\D/g, "").length]);
        }
        for (let i = 0; i < chunks.length; i++) {
          // The longest valid candidate starting at chunk i wins; then scanning goes on after it.
          const last = Math.min(chunks.length, i + MAX_CHUNKS) - 1;
          let digits = 0;
          for (let k = i; k <= last; k++) digits += chunks[k]![2];
          for (let j = last; j >= i; digits -= chunks[j]![2], j--) {
            if (digits < 7 || digits > 15) continue;
            const start = chunks[i]![0];
            const end = chunks[j]![1];
            const candidate = text.slice(start, end);
            const international = candidate.startsWith("+") || candidate.startsWith("(+");
            if (!phoneShapeOk(candidate, international, text, start)) continue;
            if (!isValid(candidate, international)) continue;
            out.push({ kind: "phone", start, end });
            i = j;
            break;
          }
        }
      }
    },
  };
}

function isCardNumber(match: string): boolean {
  // The pattern already bounds the length to 13–19 digits; the prefix is a real issuer range.
  const digits = match.replace(/[ -]/g, "");
  return /^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5)|35)/.test(digits) && passesLuhn(digits);
}

function isSsn(match: string): boolean {
  const [area, group, serial] = match.split(/[- ]/);
  return area !== "000" && area !== "666" && !area!.startsWith("9") && group !== "00" && serial !== "0000";
}

function isIban(match: string): boolean {
  const iban = electronicFormatIBAN(match);
  return iban !== null && isValidIBAN(iban);
}

export function piiDetectors(defaultCountry: CountryCode): Detector[] {
  return [
    emails,
    ...regexDetectors([
      {
        kind: "credit-card",
        keywords: [],
        pattern: /(?<![\w-])(?:\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -])\d{6}\2\d{4,5}|\d{13,19})(?![\w-])/g,
        accept: isCardNumber,
      },
      {
        kind: "us-ssn",
        keywords: [],
        pattern: /(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])/g,
        accept: isSsn,
      },
      {
        kind: "us-ssn",
        keywords: ["ssn", "social security"],
        pattern: /(?:ssn|social security(?: number)?)[^\d\n]{0,16}(\d{3} \d{2} \d{4}|\d{9})(?![\w-])/gi,
        group: 1,
        accept: (match) => isSsn(match.length === 9 ? `${match.slice(0, 3)}-${match.slice(3, 5)}-${match.slice(5)}` : match),
      },
      {
        kind: "iban",
        keywords: [],
        pattern: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g,
        accept: isIban,
      },
    ]),
    phoneDetector(defaultCountry),
  ];
}
