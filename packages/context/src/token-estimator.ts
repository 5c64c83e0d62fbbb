import { createRequire } from "node:module";
import { z } from "zod";
import { parseOptions } from "./segment.js";

/** Counts tokens of a text. `dispose` frees native resources when the estimator is no longer used. */
export interface TokenEstimator {
  count(text: string): number;
  dispose?(): void;
}

/** The encoder surface we use from @dqbd/tiktoken. */
interface Encoder {
  encode_ordinary(text: string): Uint32Array;
  free(): void;
}
type GetEncoding = (encoding: string) => Encoder;

export const TiktokenEstimatorOptionsSchema = z.object({
  /** BPE encoding: `cl100k_base` (GPT-4, Claude-sized estimates) or `o200k_base` (GPT-4o). @default "cl100k_base" */
  encoding: z.enum(["cl100k_base", "o200k_base"]).default("cl100k_base"),
  /** Counts remembered by content (least recently used are forgotten; at most 16M characters held); 0 turns memoising off. @default 20000 */
  memoSize: z.number().int().min(0).default(20_000),
  /** Loads the encoder; swap it in tests to simulate WASM that cannot load. @default @dqbd/tiktoken */
  loadEncoding: z.custom<GetEncoding>((value) => typeof value === "function").optional(),
});
export type TiktokenEstimatorOptions = z.input<typeof TiktokenEstimatorOptionsSchema>;

// One encoder per encoding per process, shared by every estimator and freed with the last one.
const shared = new Map<string, { encoder: Encoder; users: number }>();

function defaultLoader(): GetEncoding {
  const require = createRequire(import.meta.url);
  return (require("@dqbd/tiktoken") as { get_encoding: GetEncoding }).get_encoding;
}

const CHUNK = 2048;

/**
 * Counts a long text as the sum of its chunks, each memoised. Chunks end after a newline that is
 * followed by a non-space character: the cl100k and o200k pre-tokenizers always end a piece there
 * and BPE never merges across pieces, so the sum is exact. Long prompts made of known segments, and
 * growing prefixes of one text, then cost only their new chunks.
 */
export function chunkedCount(text: string, count: (chunk: string) => number): number {
  if (text.length <= CHUNK * 2) return count(text);
  let total = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.length;
    if (text.length - start > CHUNK * 2) {
      // Prefer a heading line ("\n#"): boundaries that depend on content, not on offsets, so a prompt
      // that gained or lost a block still splits into the same (memoised) chunks.
      const heading = text.indexOf("\n#", start + 256);
      let at = heading !== -1 && heading < start + CHUNK * 2 ? heading : text.indexOf("\n", start + CHUNK);
      while (at !== -1 && at + 1 < text.length && /\s/.test(text[at + 1]!)) at = text.indexOf("\n", at + 1);
      if (at !== -1 && at + 1 < text.length) end = at + 1;
    }
    total += count(text.slice(start, end));
    start = end;
  }
  return total;
}

/**
 * Wraps an estimator with an LRU memo keyed by content. The Map's string keys are hashed by content
 * in V8 (and the hash is cached on the string), which measured several times faster than a crypto
 * digest; memory is bounded by entries and by total characters held.
 */
export function memoiseEstimator(
  inner: (text: string) => number,
  size: number,
  maxChars = 16_000_000,
): (text: string) => number {
  if (size === 0) return inner;
  const memo = new Map<string, number>();
  let chars = 0;
  return (text) => {
    const known = memo.get(text);
    if (known !== undefined) {
      // Re-insert so the Map's insertion order is recency order.
      memo.delete(text);
      memo.set(text, known);
      return known;
    }
    const value = inner(text);
    if (text.length > maxChars) return value;
    memo.set(text, value);
    chars += text.length;
    while (memo.size > size || chars > maxChars) {
      const oldest = memo.keys().next().value!;
      memo.delete(oldest);
      chars -= oldest.length;
    }
    return value;
  };
}

const PIECES = /[A-Za-z]+|[0-9]+|[\x00-\x20\x7f]+|[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+|[^\x00-\x7f]+/g;

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/** Case changes inside a letter run: many in random keys, few in words and camelCase. */
function caseChanges(run: string): number {
  let changes = 0;
  let upper = run.charCodeAt(1) <= 0x5a;
  for (let i = 2; i < run.length; i++) {
    const now = run.charCodeAt(i) <= 0x5a;
    if (now !== upper) changes++;
    upper = now;
  }
  return changes;
}

/**
 * A conservative estimate without WASM: it over-counts ordinary text against cl100k/o200k so a
 * budget computed with it still holds. Non-ASCII characters count as their UTF-8 bytes.
 */
export function createHeuristicEstimator(): TokenEstimator {
  return {
    count(text) {
      let tokens = 0;
      for (const piece of text.match(PIECES) ?? []) {
        const first = piece.charCodeAt(0);
        if (first > 0x7f) tokens += Buffer.byteLength(piece, "utf8");
        else if (first <= 0x20) tokens += Math.ceil((piece.length - 1) / 4); // " word" is one token
        else if (first >= 0x30 && first <= 0x39) tokens += Math.ceil(piece.length / 3) + 1;
        else if (isLetter(first)) tokens += Math.ceil(piece.length / 4) + caseChanges(piece);
        else tokens += piece.length;
      }
      // Random identifiers and keys tokenise worse than prose; the margin keeps the bound conservative.
      tokens = Math.ceil(tokens * 1.1);
      return tokens;
    },
  };
}

/**
 * Token counts with @dqbd/tiktoken. Special-token strings such as `<|endoftext|>` are counted as
 * ordinary text. Counts are memoised by content hash, so repeated segments cost a hash. If the
 * WASM encoder cannot load, this falls back to `createHeuristicEstimator()` (see `kind`).
 */
export function createTiktokenEstimator(
  options: TiktokenEstimatorOptions = {},
): TokenEstimator & { readonly kind: "tiktoken" | "heuristic"; readonly encoding: string; dispose(): void } {
  const { encoding, memoSize, loadEncoding } = parseOptions(
    "tiktoken estimator options",
    TiktokenEstimatorOptionsSchema,
    options,
  );
  const key = loadEncoding ? undefined : encoding;
  let entry = key === undefined ? undefined : shared.get(key);
  if (!entry) {
    try {
      const encoder = (loadEncoding ?? defaultLoader())(encoding);
      entry = { encoder, users: 0 };
      if (key !== undefined) shared.set(key, entry);
    } catch {
      const heuristic = createHeuristicEstimator();
      return { kind: "heuristic", encoding, count: memoiseEstimator(heuristic.count, memoSize), dispose() {} };
    }
  }
  const owned = entry;
  owned.users++;
  let disposed = false;
  const memoised = memoiseEstimator((text) => owned.encoder.encode_ordinary(text).length, memoSize);
  const count = (text: string) => {
    if (disposed) throw new Error("[context] token estimator used after dispose()");
    return memoSize === 0 ? memoised(text) : chunkedCount(text, memoised);
  };
  return {
    kind: "tiktoken",
    encoding,
    count,
    dispose() {
      if (disposed) return;
      disposed = true;
      owned.users--;
      if (owned.users === 0) {
        owned.encoder.free();
        if (key !== undefined && shared.get(key) === owned) shared.delete(key);
      }
    },
  };
}

let defaultEstimator: TokenEstimator | undefined;

/** The process-wide default estimator (cl100k_base), created on first use and never disposed. */
export function getDefaultEstimator(): TokenEstimator {
  defaultEstimator ??= createTiktokenEstimator();
  return defaultEstimator;
}
