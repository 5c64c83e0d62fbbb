// Everything the view prints that a plug-in, an agent or a comment could have written (agent names,
// error messages, reasons) goes through here first: a terminal escape in an error message must not
// move the cursor, recolour the screen or retitle the window, and a megabyte of text must cost
// nothing more than its first few hundred characters. One hand-written pass, no regex: linear in
// the characters read, which are bounded by `max` plus the escapes skipped on the way.

const ESC = 0x1b;
const BEL = 0x07;
const CSI_C1 = 0x9b;
const OSC_C1 = 0x9d;
/** The ellipsis that marks a cut. */
export const ELLIPSIS = "…";

/** Control, bidi-override and line-separator code points: dropped (or a space for whitespace). */
function isInvisible(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x200e ||
    code === 0x200f ||
    code === 0xfeff
  );
}

/** Index just past the escape sequence that starts at `i` (an ESC or a C1 introducer). */
function skipEscape(text: string, i: number): number {
  const code = text.charCodeAt(i);
  let j = i + 1;
  let kind: "csi" | "string" | "single";
  if (code === CSI_C1) kind = "csi";
  else if (code === OSC_C1) kind = "string";
  else {
    const next = text[j];
    if (next === "[") kind = "csi";
    else if (next === "]" || next === "P" || next === "X" || next === "^" || next === "_") kind = "string";
    else kind = "single";
    j++;
  }
  if (kind === "single") return Math.min(j, text.length);
  if (kind === "csi") {
    // Parameters and intermediates, then one final byte in @..~; anything else ends it early.
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c >= 0x40 && c <= 0x7e) return j + 1;
      if (c < 0x20 || c > 0x3f) return j;
      j++;
    }
    return j;
  }
  // OSC / DCS / PM / APC: up to BEL or ST (ESC \); an unterminated one swallows the rest, which is
  // what a terminal would do too.
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === BEL) return j + 1;
    if (c === ESC) return text[j + 1] === "\\" ? j + 2 : j;
    j++;
  }
  return j;
}

/**
 * Printable text of `value`: escape sequences and control characters removed, tabs and newlines
 * turned into single spaces, at most `max` code points (the last one an ellipsis when cut).
 * `keepSpaces` keeps runs of spaces and the indentation (for text we wrote ourselves, laid out).
 */
export function sanitize(value: unknown, max: number, keepSpaces = false): string {
  const text = typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
  let out = "";
  let count = 0;
  let lastSpace = true;
  let i = 0;
  while (i < text.length) {
    const code = text.codePointAt(i)!;
    if (code === ESC || code === CSI_C1 || code === OSC_C1) {
      i = skipEscape(text, i);
      continue;
    }
    const size = code > 0xffff ? 2 : 1;
    if (isInvisible(code) || code === 0x20) {
      // Whitespace controls read as spaces; runs of them collapse so a message keeps its words.
      if ((code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) && (keepSpaces || !lastSpace)) {
        if (count + 1 > max) return cut(out, max);
        out += " ";
        count++;
        lastSpace = true;
      }
      i += size;
      continue;
    }
    if (count + 1 > max) return cut(out, max);
    out += text.slice(i, i + size);
    count++;
    lastSpace = false;
    i += size;
  }
  return !keepSpaces && lastSpace && out.endsWith(" ") ? out.slice(0, -1) : out;
}

/** `out` already holds `max` code points and more follow: replace the last one by the ellipsis. */
function cut(out: string, max: number): string {
  if (max <= 0) return "";
  const points = Array.from(out);
  return points.slice(0, max - 1).join("").trimEnd() + ELLIPSIS;
}

/** Columns a code point takes: 0 for combining marks, 2 for wide (CJK, emoji), else 1. */
function widthOf(code: number, char: string): number {
  if (code >= 0x300 && code <= 0x36f) return 0;
  if (code === 0x200b || code === 0x200c || code === 0x200d || (code >= 0xfe00 && code <= 0xfe0f)) return 0;
  if (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  ) {
    return 2;
  }
  return /\p{M}/u.test(char) ? 0 : 1;
}

/** Columns `text` takes on a terminal (an estimate good enough for already sanitized text). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += widthOf(char.codePointAt(0)!, char);
  return width;
}

/** `text` cut to at most `columns` terminal columns, an ellipsis marking the cut. */
export function fit(text: string, columns: number): string {
  if (columns <= 0) return "";
  if (text.length <= columns && !/[^\x20-\x7e]/.test(text)) return text;
  let width = 0;
  let end = 0;
  let fitsAt = 0; // where the text would be cut to leave room for the ellipsis
  for (const char of text) {
    const w = widthOf(char.codePointAt(0)!, char);
    if (width + w > columns) return text.slice(0, fitsAt) + ELLIPSIS;
    width += w;
    end += char.length;
    if (width <= columns - 1) fitsAt = end;
  }
  return text;
}
