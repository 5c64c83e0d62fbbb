// Zod issues of the config schema → problems a person can act on: the key path, what was expected,
// what was found, and for an unknown key the nearest known one.
import { z } from "zod";
import type { ConfigProblem } from "./config-errors.js";
import { HybridConfigSchema, type HybridConfig } from "./config-schema.js";

type Schema = z.core.$ZodType;
type Def = { type: string; innerType?: Schema; shape?: Record<string, Schema>; valueType?: Schema; keyType?: Schema; element?: Schema; entries?: Record<string, unknown> };
const def = (schema: Schema): Def => schema._zod.def as unknown as Def;
const WRAPPERS = new Set(["default", "prefault", "optional", "nullable", "readonly"]);

function unwrap(schema: Schema): Schema {
  let current = schema;
  while (WRAPPERS.has(def(current).type)) current = def(current).innerType!;
  return current;
}

/** The config schema at a key path (wrappers removed), or undefined below a leaf. */
function schemaAt(path: readonly PropertyKey[]): Schema | undefined {
  let current: Schema | undefined = unwrap(HybridConfigSchema);
  for (const key of path) {
    const d = def(current);
    const next: Schema | undefined = d.type === "object" ? d.shape![String(key)] : d.type === "record" ? d.valueType : d.type === "array" ? d.element : undefined;
    if (next === undefined) return undefined;
    current = unwrap(next);
  }
  return current;
}

/** The keys a mapping at `path` may have: an object's fields, or a record's enum keys. */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  const schema = schemaAt(path);
  if (schema === undefined) return [];
  const d = def(schema);
  if (d.type === "object") return Object.keys(d.shape!);
  const keyType = d.type === "record" ? def(unwrap(d.keyType!)) : undefined;
  return keyType?.type === "enum" ? Object.keys(keyType.entries!) : [];
}

/** Edit distance with one row of memory; inputs are short keys (longer words are not compared). */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/**
 * The known key nearest to `word`: the same key in another case or separator style
 * (`max_parallel` → `maxParallel`) first, then one it is the start of, else the closest within a
 * third of its length.
 */
export function nearestKey(word: string, known: readonly string[]): string | undefined {
  if (word.length > 64) return undefined;
  const plain = (s: string) => s.toLowerCase().replace(/[-_]/g, "");
  const same = known.find((candidate) => plain(candidate) === plain(word));
  if (same !== undefined) return same;
  // A cut-short value (`cl100k` for `cl100k_base`) is as clear a slip as a typo.
  const longer = word.length >= 3 ? known.find((candidate) => plain(candidate).startsWith(plain(word))) : undefined;
  if (longer !== undefined) return longer;
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return value.length > 40 ? "a string" : JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

const EXPECTED: Record<string, string> = { number: "a number", string: "a string", boolean: "true or false", object: "a mapping", array: "a list" };

/** Where a problem at `keys` is: file position, environment variable or provider flag. */
export type Locate = (keys: readonly PropertyKey[], key?: boolean) => Omit<ConfigProblem, "path" | "message">;

/**
 * Parses `input` with the config schema; on failure, every problem in words, located by `locate`.
 * Issues carry their offending value (`reportInput`): YAML and JSON have no `undefined`, so an
 * undefined value is a missing key.
 */
export function checkConfig(input: unknown, locate: Locate): { success: true; data: HybridConfig } | { success: false; error: z.ZodError; problems: ConfigProblem[] } {
  const parsed = HybridConfigSchema.safeParse(input, { reportInput: true });
  return parsed.success ? { success: true, data: parsed.data } : { success: false, error: parsed.error, problems: configProblems(parsed.error, locate) };
}

function configProblems(error: z.ZodError, locate: Locate): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const keys = issue.path as PropertyKey[];
    const path = z.core.toDotPath(keys);
    const value = (issue as { input?: unknown }).input;
    const found = value !== undefined;
    const add = (message: string) => problems.push({ path, message, ...locate(keys) });
    switch (issue.code) {
      case "unrecognized_keys":
        for (const key of issue.keys) {
          const near = nearestKey(key, knownKeysAt(keys));
          const known = knownKeysAt(keys).join(", ");
          const hint = near === undefined ? ` (known keys: ${known})` : ` (did you mean "${near}"?)`;
          problems.push({ path: z.core.toDotPath([...keys, key]), message: `unknown key "${key}"${hint}`, ...locate([...keys, key], true) });
        }
        break;
      case "invalid_type": {
        const expected = issue.expected === "int" ? "a whole number" : (EXPECTED[issue.expected] ?? issue.expected);
        add(found ? `expected ${expected}, got ${describeValue(value)}` : `required (expected ${expected})`);
        break;
      }
      case "invalid_value": {
        const allowed = issue.values.map((v) => JSON.stringify(v)).join(", ");
        const near = typeof value === "string" ? nearestKey(value, issue.values.map(String)) : undefined;
        add(`${describeValue(value)} is not allowed; expected one of ${allowed}${near === undefined ? "" : ` (did you mean "${near}"?)`}`);
        break;
      }
      case "too_small":
        add(issue.origin === "string" ? "must not be empty" : `must be at least ${String(issue.minimum)}, got ${describeValue(value)}`);
        break;
      case "too_big":
        add(`must be at most ${String(issue.maximum)}, got ${describeValue(value)}`);
        break;
      case "invalid_format":
        add(`${describeValue(value)} is not a valid ${issue.format}`);
        break;
      /* c8 ignore next 2 -- every code the config schema produces is handled above; zod's own words otherwise */
      default:
        add(issue.message);
    }
  }
  return problems;
}
