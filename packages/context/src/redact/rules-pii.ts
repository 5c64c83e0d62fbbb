/**
 * Personal data: email addresses, phone numbers (validated by libphonenumber-js), card numbers
 * (Luhn), US social security numbers and IBANs (checksum by ibantools). Each scanner bounds what
 * it looks at: an email is read at most 64 characters left and 253 right of its `@`; phone numbers
 * are in rules-phone.ts.
 */
import { electronicFormatIBAN, isValidIBAN } from "ibantools";
import type { CountryCode } from "libphonenumber-js";
import { passesLuhn } from "./classify.js";
import { regexDetectors, type Detector } from "./detector.js";
import { phoneDetector } from "./rules-phone.js";

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
        // The first `-` is the literal V8 searches for; the area number is checked behind it.
        pattern: /-(?<=(?<![\w-])\d{3}-)\d{2}-\d{4}(?![\w-])/g,
        lead: 3,
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
