/** A count function with a memo, and what the memo holds. */
export interface CountMemo {
  count(text: string): number;
  /** Entries remembered now. */
  readonly size: number;
  /** Bytes the remembered keys take at most (2 per character plus a fixed overhead per entry). */
  readonly bytes: number;
}

// Map entry, boxed entry and string header, rounded up: an upper bound on V8's per-entry cost.
const ENTRY_OVERHEAD = 96;

interface Entry {
  /** A flat copy of the counted text: never a slice that would keep a large parent string alive. */
  key: string;
  tokens: number;
  bytes: number;
}

/**
 * A copy of `text` that shares no memory with it. V8 represents `prompt.slice(a, b)` as a view into
 * the whole prompt, so a memo keyed by chunks of prompts kept every prompt alive (about 950 MB for a
 * memo that held 16M characters of keys). Slicing a concatenation flattens it first: the key is then
 * a view into a new string one character longer, and the prompt can go. One copy, unlike a JSON
 * round trip, which cost 6% of the count of fresh text. (count-memo.test.ts measures the heap.)
 */
const flatCopy = (text: string): string => ` ${text}`.slice(1);

/**
 * Wraps a count function with a least-recently-used memo keyed by content and bounded by both the
 * number of entries and the bytes of the keys. The Map hashes string keys by content (V8 caches the
 * hash on the string), several times faster than a digest. Texts larger than a quarter of the byte
 * bound are counted but not remembered.
 */
export function createCountMemo(inner: (text: string) => number, maxEntries: number, maxBytes: number): CountMemo {
  if (maxEntries === 0 || maxBytes === 0) return { count: inner, size: 0, bytes: 0 };
  const memo = new Map<string, Entry>();
  let bytes = 0;
  return {
    count(text) {
      const known = memo.get(text);
      if (known !== undefined) {
        // Re-insert under the stored (flat) key, so the Map's insertion order is recency order.
        memo.delete(known.key);
        memo.set(known.key, known);
        return known.tokens;
      }
      const tokens = inner(text);
      const cost = text.length * 2 + ENTRY_OVERHEAD;
      if (cost > maxBytes / 4) return tokens;
      const entry: Entry = { key: flatCopy(text), tokens, bytes: cost };
      memo.set(entry.key, entry);
      bytes += cost;
      while (memo.size > maxEntries || bytes > maxBytes) {
        const oldest = memo.values().next().value!;
        memo.delete(oldest.key);
        bytes -= oldest.bytes;
      }
      return tokens;
    },
    get size() {
      return memo.size;
    },
    get bytes() {
      return bytes;
    },
  };
}
