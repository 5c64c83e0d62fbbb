/**
 * The keyword prefilter: one pass over the text finds which detector keywords occur, so a detector
 * whose keywords are all absent never runs (gitleaks gates its rules the same way). It is an
 * Aho–Corasick automaton over ASCII folded to lower case, compiled to a dense transition table, so
 * the pass costs one table lookup per character whatever the number of keywords.
 *
 * A keyword written in lower case matches case-insensitively; a keyword with an upper-case letter
 * must occur exactly as written (`SK` for Twilio keys should not fire on every `task`).
 */

const ASCII = 128;

/** Folds an ASCII char code to lower case. */
function fold(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}

export interface KeywordIndex {
  /** The keywords, in the order given. */
  readonly keywords: readonly string[];
  /** Marks `present[i] = 1` for each keyword `i` that occurs in `text`. */
  scan(text: string): Uint8Array;
}

export function createKeywordIndex(keywords: readonly string[]): KeywordIndex {
  const unique = [...new Set(keywords)];
  for (const keyword of unique) {
    if (keyword.length === 0 || [...keyword].some((char) => char.charCodeAt(0) >= ASCII)) {
      throw new Error(`[context] redaction keyword must be non-empty ASCII: ${JSON.stringify(keyword)}`);
    }
  }
  // A compact alphabet keeps the table small enough to stay in cache: each character that occurs
  // in a keyword gets its own symbol, every other character (and all non-ASCII) is symbol 0.
  const symbols = new Uint8Array(ASCII);
  let alphabet = 1;
  for (const keyword of unique) {
    for (let i = 0; i < keyword.length; i++) {
      const code = fold(keyword.charCodeAt(i));
      if (symbols[code] === 0) symbols[code] = alphabet++;
    }
  }
  for (let code = 65; code <= 90; code++) symbols[code] = symbols[code + 32]!;
  const ALPHABET = alphabet;
  const symbolOf = (code: number) => symbols[code]!;
  // Trie first: `next` grows as states are added; `outputs[state]` lists keywords ending there.
  const next: number[][] = [new Array<number>(ALPHABET).fill(-1)];
  const outputs: number[][] = [[]];
  unique.forEach((keyword, id) => {
    let state = 0;
    for (let i = 0; i < keyword.length; i++) {
      const symbol = symbolOf(keyword.charCodeAt(i));
      if (next[state]![symbol] === -1) {
        next[state]![symbol] = next.length;
        next.push(new Array<number>(ALPHABET).fill(-1));
        outputs.push([]);
      }
      state = next[state]![symbol]!;
    }
    outputs[state]!.push(id);
  });
  // Breadth-first: failure links turn the trie into a complete automaton (a DFA), and each state
  // inherits the outputs of its failure state so a keyword that ends inside a longer one is seen.
  const states = next.length;
  const table = new Int32Array(states * ALPHABET);
  const fail = new Int32Array(states);
  const queue: number[] = [];
  for (let symbol = 0; symbol < ALPHABET; symbol++) {
    const child = next[0]![symbol]!;
    table[symbol] = child === -1 ? 0 : child;
    if (child !== -1) queue.push(child);
  }
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    outputs[state]!.push(...outputs[fail[state]!]!);
    for (let symbol = 0; symbol < ALPHABET; symbol++) {
      const child = next[state]![symbol]!;
      if (child === -1) {
        table[state * ALPHABET + symbol] = table[fail[state]! * ALPHABET + symbol]!;
      } else {
        fail[child] = table[fail[state]! * ALPHABET + symbol]!;
        table[state * ALPHABET + symbol] = child;
        queue.push(child);
      }
    }
  }
  // The hot loop reads one Int32Array entry per character: entries are pre-multiplied state
  // offsets, negated (minus one) when the target state has outputs.
  const accepting = outputs.map((list) => list.length > 0);
  const dense = new Int32Array(states * ALPHABET);
  for (let i = 0; i < dense.length; i++) {
    const target = table[i]!;
    dense[i] = accepting[target] ? -(target * ALPHABET) - 1 : target * ALPHABET;
  }
  const exact = unique.map((keyword) => keyword !== keyword.toLowerCase());
  const idOf = new Map(unique.map((keyword, id) => [keyword, id]));

  return {
    keywords,
    scan(text) {
      const seen = new Uint8Array(unique.length);
      let missing = unique.length;
      let offset = 0;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        offset = dense[offset + (code < ASCII ? symbols[code]! : 0)]!;
        if (offset >= 0) continue;
        offset = -offset - 1;
        for (const id of outputs[offset / ALPHABET]!) {
          if (seen[id] === 1) continue;
          const keyword = unique[id]!;
          if (exact[id] && !text.startsWith(keyword, i + 1 - keyword.length)) continue;
          seen[id] = 1;
          missing--;
        }
        if (missing === 0) break;
      }
      const present = new Uint8Array(keywords.length);
      keywords.forEach((keyword, i) => {
        present[i] = seen[idOf.get(keyword)!]!;
      });
      return present;
    },
  };
}
