// Reads the structured part of an upstream output: the first ```json fenced block holding a JSON
// object, or the whole output when it is a JSON object. Agent output is untrusted and may be
// megabytes: the fence patterns are anchored per line with bounded quantifiers (linear), and
// anything that does not parse as a JSON object we can compare (no lone surrogate, no number that
// overflows to Infinity, not nested past the stack) is text, never a throw.
import canonicalize from "canonicalize";

// A fence line: up to 3 spaces (CommonMark's indent), three backticks, the `json` info string
// (any case), trailing blanks. The closing fence: three backticks and trailing blanks.
const OPEN_FENCE = /^ {0,3}```[ \t]{0,16}json[ \t]{0,64}\r?$/im;
const CLOSE_FENCE = /^ {0,3}```[ \t]{0,64}\r?$/gm;

/** An output split into its structured part (when it has one) and its prose. */
export interface SplitOutput {
  /** The JSON object, when the output has one. */
  structured?: Record<string, unknown>;
  /** The output without its structured part: leading blank lines and trailing white space removed. */
  text: string;
}

/** `text` without leading blank lines and trailing white space (the first line keeps its indent). */
function tidy(text: string): string {
  const end = text.trimEnd();
  const first = end.search(/\S/);
  return first <= 0 ? end : end.slice(end.lastIndexOf("\n", first) + 1);
}

/** The JSON object `source` holds, or undefined when it holds anything else or cannot be compared canonically. */
function parseObject(source: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(source);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    // Throws on a lone surrogate, on Infinity (`1e400`) and past the stack: such an object is text.
    canonicalize(value);
    return value as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Splits an output. The first line that opens a ```json fence decides: when a closing fence
 * follows and the lines between parse as a JSON object, that object is the structured part and the
 * text is what surrounds the block; otherwise (malformed, not an object, unclosed) the whole output
 * is text. Without such a fence, an output that is a JSON object once trimmed is all structure.
 */
export function splitOutput(output: string): SplitOutput {
  const open = OPEN_FENCE.exec(output);
  if (open) {
    const contentStart = open.index + open[0].length + 1;
    CLOSE_FENCE.lastIndex = contentStart;
    const close = contentStart <= output.length ? CLOSE_FENCE.exec(output) : null;
    const structured = close ? parseObject(output.slice(contentStart, close.index)) : undefined;
    if (!close || !structured) return { text: tidy(output) };
    const before = output.slice(0, open.index).trimEnd();
    const after = tidy(output.slice(close.index + close[0].length));
    return { structured, text: tidy(before !== "" && after !== "" ? `${before}\n\n${after}` : before + after) };
  }
  const trimmed = output.trim();
  const structured = trimmed.startsWith("{") && trimmed.endsWith("}") ? parseObject(trimmed) : undefined;
  return structured ? { structured, text: "" } : { text: tidy(output) };
}
