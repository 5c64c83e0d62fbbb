// Merges structured outputs key by key and finds every key on which they disagree. Pure; linear in
// the total size of the objects (each value is serialised canonically at most once, where the
// recursion stops).
import canonicalize from "canonicalize";

/** One input's structured part, in resolution order (the first is the highest class, lowest id). */
export interface Contribution {
  nodeId: string;
  value: Record<string, unknown>;
}

/** A key whose values differ, with every input's value in resolution order. */
export interface MergeConflict {
  key: string;
  values: Array<{ nodeId: string; value: unknown }>;
}

/**
 * How deep objects are merged key by key; below this depth two objects are compared as whole
 * values. Keeps the recursion bounded whatever an agent writes.
 */
export const MAX_MERGE_DEPTH = 32;

// A key that can be written bare in a path: `a.b-c.d_e`. Anything else is written `["…"]`.
const BARE_KEY = /^[A-Za-z0-9_$-]+$/;

/** `retry.max`, `files["a.ts"]`, `[""]`: a readable, unambiguous path to a nested key. */
export function keyPath(segments: readonly string[]): string {
  let path = "";
  for (const segment of segments) {
    if (BARE_KEY.test(segment)) path += path === "" ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `a` before `b` by UTF-16 code units: no locale decides an order here. */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function mergeLevel(
  entries: ReadonlyArray<{ nodeId: string; value: Record<string, unknown> }>,
  path: string[],
  conflicts: MergeConflict[],
): Record<string, unknown> {
  const byKey = new Map<string, Array<{ nodeId: string; value: unknown }>>();
  for (const { nodeId, value } of entries) {
    for (const key of Object.keys(value)) {
      let list = byKey.get(key);
      if (!list) byKey.set(key, (list = []));
      list.push({ nodeId, value: value[key] });
    }
  }
  // A record without a prototype: a `__proto__` key from an agent's JSON is a key like any other.
  const merged: Record<string, unknown> = Object.create(null);
  for (const key of [...byKey.keys()].sort(byCodeUnit)) {
    const values = byKey.get(key)!;
    path.push(key);
    if (values.length > 1 && path.length < MAX_MERGE_DEPTH && values.every((v) => isObject(v.value))) {
      merged[key] = mergeLevel(values as Array<{ nodeId: string; value: Record<string, unknown> }>, path, conflicts);
    } else {
      merged[key] = values[0]!.value;
      if (values.length > 1) {
        const first = canonicalize(values[0]!.value);
        if (values.some((v, i) => i > 0 && canonicalize(v.value) !== first)) conflicts.push({ key: keyPath(path), values });
      }
    }
    path.pop();
  }
  return merged;
}

/**
 * Merges the contributions key by key. Where every value of a key is an object, they are merged
 * recursively (to `MAX_MERGE_DEPTH`); otherwise the values are compared by canonical JSON (RFC 8785:
 * key order and number spelling never matter; arrays are values, compared whole, never merged):
 * equal values merge into one, different ones are a conflict, and `merged` holds the first
 * contribution's value (the highest class, lowest id). Keys come out sorted by code unit; conflicts
 * in that order, depth first.
 */
export function mergeContributions(contributions: readonly Contribution[]): { merged: Record<string, unknown>; conflicts: MergeConflict[] } {
  const conflicts: MergeConflict[] = [];
  const merged = mergeLevel(contributions, [], conflicts);
  return { merged, conflicts };
}
