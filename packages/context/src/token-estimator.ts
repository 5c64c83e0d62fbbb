import { createRequire } from "node:module";
import { z } from "zod";
import { createCountMemo } from "./count-memo.js";
import { heuristicCount } from "./heuristic-estimator.js";
import { parseOptions } from "./segment.js";

/** Why an estimator counts with the heuristic instead of its tokenizer. */
export interface EstimatorFallback {
  encoding: string;
  reason: string;
}

/**
 * Counts tokens of a text. `dispose` frees native resources when the estimator is no longer used.
 * `fallback` is set when the estimator is not counting with the tokenizer it was asked for.
 */
export interface TokenEstimator {
  count(text: string): number;
  dispose?(): void;
  readonly fallback?: EstimatorFallback;
}

/** The zod schema of an `estimator` option: any object with `count(text)`. */
export const estimatorOption = z.custom<TokenEstimator>(
  (value) => typeof value === "object" && value !== null && typeof (value as TokenEstimator).count === "function",
  "expected a TokenEstimator ({ count(text) })",
);

/** The encoder surface we use from @dqbd/tiktoken. */
interface Encoder {
  encode_ordinary(text: string): Uint32Array;
  free(): void;
}
type GetEncoding = (encoding: string) => Encoder;

export const TiktokenEstimatorOptionsSchema = z.object({
  /** BPE encoding: `cl100k_base` (GPT-4, Claude-sized estimates) or `o200k_base` (GPT-4o). @default "cl100k_base" */
  encoding: z.enum(["cl100k_base", "o200k_base"]).default("cl100k_base"),
  /** Counts remembered by content, least recently used forgotten first; 0 turns memoising off. @default 20000 */
  memoSize: z.number().int().min(0).default(20_000),
  /** Memory the remembered texts may take, in bytes (2 per character plus a per-entry overhead). @default 33554432 (32 MiB) */
  memoBytes: z.number().int().min(0).default(32 * 1024 * 1024),
  /** Loads the encoder; swap it in tests to simulate WASM that cannot load. @default @dqbd/tiktoken */
  loadEncoding: z.custom<GetEncoding>((value) => typeof value === "function").optional(),
});
export type TiktokenEstimatorOptions = z.input<typeof TiktokenEstimatorOptionsSchema>;

/** What `createTiktokenEstimator` returns: `kind` and `fallback` say loudly what counts. */
export interface TiktokenEstimator extends TokenEstimator {
  readonly kind: "tiktoken" | "heuristic";
  readonly encoding: string;
  dispose(): void;
}

// One encoder per encoding per process, shared by every estimator and freed with the last one.
const shared = new Map<string, { encoder: Encoder; users: number }>();

function defaultLoader(): GetEncoding {
  const require = createRequire(import.meta.url);
  return (require("@dqbd/tiktoken") as { get_encoding: GetEncoding }).get_encoding;
}

const CHUNK = 2048;
const SPACE = /\s/;

/**
 * Counts a long text as the sum of its chunks. Chunks end after a newline followed by a character
 * that is neither whitespace nor `/`. There both pre-tokenizers always end a piece: only three of
 * their patterns can hold a newline (`\s*[\r\n]+`, `\s+(?!\S)` and punctuation followed by `[\r\n]*`,
 * which o200k extends to `[\r\n/]*`), and none of them continues past it into such a character. BPE
 * never merges across pieces, so the sum is exact (tested against the whole-text count on real
 * source files). Long prompts made of known segments, and growing prefixes of one text, then cost
 * only their new chunks.
 */
export function chunkedCount(text: string, count: (chunk: string) => number): number {
  if (text.length <= CHUNK * 2) return count(text);
  let total = 0;
  let start = 0;
  const boundary = (at: number) => at + 1 < text.length && !SPACE.test(text[at + 1]!) && text[at + 1] !== "/";
  while (start < text.length) {
    let end = text.length;
    if (text.length - start > CHUNK * 2) {
      // Prefer a heading line ("\n#"): boundaries that depend on content, not on offsets, so a prompt
      // that gained or lost a block still splits into the same (memoised) chunks. Not before half a
      // chunk: each encoder call has a fixed cost, so small chunks make fresh text slower.
      const heading = text.indexOf("\n#", start + CHUNK / 2);
      let at = heading !== -1 && heading < start + CHUNK * 2 ? heading : text.indexOf("\n", start + CHUNK);
      while (at !== -1 && at + 1 < text.length && !boundary(at)) at = text.indexOf("\n", at + 1);
      if (at !== -1 && at + 1 < text.length) end = at + 1;
    }
    total += count(text.slice(start, end));
    start = end;
  }
  return total;
}

const warned = new Set<string>();

/**
 * Token counts with @dqbd/tiktoken, exact for the whole text (special-token strings such as
 * `<|endoftext|>` count as ordinary text). Counts are memoised by content, bounded by entries and by
 * memory. If the WASM encoder cannot load, this counts with the heuristic estimator, which overcounts,
 * and says so: `kind` is `"heuristic"`, `fallback` holds the reason, a process warning is emitted
 * once, and `composeContext` emits a `context.estimator-fallback` event for every composition.
 */
export function createTiktokenEstimator(options: TiktokenEstimatorOptions = {}): TiktokenEstimator {
  const { encoding, memoSize, memoBytes, loadEncoding } = parseOptions(
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
    } catch (error) {
      const reason = `the ${encoding} tokenizer could not load (${error instanceof Error ? error.message : String(error)}); counting with the heuristic estimator, which overcounts`;
      if (!warned.has(reason)) {
        warned.add(reason);
        process.emitWarning(`[context] ${reason}`, { type: "HybridContextWarning", code: "HYBRID_CONTEXT_TOKENIZER_FALLBACK" });
      }
      const memo = createCountMemo(heuristicCount, memoSize, memoBytes);
      return { kind: "heuristic", encoding, fallback: { encoding, reason }, count: memo.count, dispose() {} };
    }
  }
  const owned = entry;
  owned.users++;
  let disposed = false;
  const memo = createCountMemo((text) => owned.encoder.encode_ordinary(text).length, memoSize, memoBytes);
  const memoised = memoSize > 0 && memoBytes > 0;
  return {
    kind: "tiktoken",
    encoding,
    count(text) {
      if (disposed) throw new Error("[context] token estimator used after dispose()");
      return memoised ? chunkedCount(text, memo.count) : memo.count(text);
    },
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
