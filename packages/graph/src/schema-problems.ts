import { z } from "zod";
import { didYouMean, suggest } from "./did-you-mean.js";
import type { GraphProblem } from "./errors.js";
import { KNOWN_FIELDS, NODE_ID_PATTERN } from "./workflow-schema.js";

type PathKey = PropertyKey;

/** The value at `path`, own properties only: a field named `constructor` is not found on `{}`. */
function valueAt(root: unknown, path: readonly PathKey[]): { found: boolean; value: unknown } {
  let value: unknown = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return { found: false, value: undefined };
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value };
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return value.length > 40 ? `a string` : `"${value}"`;
  if (typeof value === "object") return "an object";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return `${typeof value} ${String(value)}`;
}

/** Which object kind a path points into, for the list of known fields. */
function knownFieldsAt(path: readonly PathKey[]): readonly string[] {
  if (path.length === 0) return KNOWN_FIELDS.workflow;
  const last = path[path.length - 1];
  if (last === "issue") return KNOWN_FIELDS.issue;
  if (last === "join") return KNOWN_FIELDS.join;
  return KNOWN_FIELDS.node;
}

const EXPECTED_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  array: "a list",
  object: "an object",
  boolean: "true or false",
};

/**
 * Turns zod issues into problems a person understands, each with the path of the offending value.
 * `input` is the raw document, used to tell a missing field from a wrong one.
 */
export function problemsFromZod(error: z.ZodError, input: unknown): GraphProblem[] {
  const problems: GraphProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path as PathKey[];
    const at = z.core.toDotPath(path);
    const { found, value } = valueAt(input, path);
    switch (issue.code) {
      case "unrecognized_keys": {
        const known = knownFieldsAt(path);
        for (const key of issue.keys) {
          problems.push({
            code: "unknown-field",
            path: z.core.toDotPath([...path, key]),
            message: `unknown field "${key}"${didYouMean(suggest(key, known, 1))}`,
          });
        }
        break;
      }
      case "invalid_type": {
        // zod reports Infinity and NaN (YAML `.inf`, `1e400`) as not numbers at all.
        const nonFinite = typeof value === "number" && !Number.isFinite(value);
        const expected = nonFinite ? "a finite number" : (EXPECTED_NAMES[issue.expected] ?? issue.expected);
        if (!found || value === undefined) {
          problems.push({ code: "missing-field", path: at, message: `required field is missing (expected ${expected})` });
        } else {
          problems.push({ code: "invalid-type", path: at, message: `expected ${expected}, got ${describeValue(value)}` });
        }
        break;
      }
      case "invalid_format": {
        const isId = path[path.length - 1] === "id" && issue.format === "regex";
        problems.push(
          isId
            ? {
                code: "invalid-id",
                path: at,
                message: `${describeValue(value)} is not a valid id: use letters, digits, ".", "_" and "-", starting with a letter or digit (${NODE_ID_PATTERN.source})`,
              }
            : { code: "invalid-value", path: at, message: `${describeValue(value)} has the wrong format` },
        );
        break;
      }
      case "invalid_value": {
        if (!found) {
          problems.push({ code: "missing-field", path: at, message: "required field is missing" });
          break;
        }
        const allowed = issue.values.map((v) => JSON.stringify(v)).join(", ");
        const near = typeof value === "string" ? suggest(value, issue.values.map(String), 1) : [];
        problems.push({
          code: "invalid-value",
          path: at,
          message: `${describeValue(value)} is not allowed; expected one of ${allowed}${didYouMean(near)}`,
        });
        break;
      }
      case "too_small": {
        if (at === "nodes") {
          problems.push({ code: "empty-workflow", path: at, message: "the workflow has no nodes; add at least one" });
        } else if (issue.origin === "string") {
          problems.push({ code: "invalid-value", path: at, message: "must not be empty" });
        } else {
          problems.push({ code: "invalid-value", path: at, message: `must be at least ${String(issue.minimum)}` });
        }
        break;
      }
      case "too_big":
        problems.push({ code: "invalid-value", path: at, message: `must be at most ${String(issue.maximum)}` });
        break;
      default:
        problems.push({ code: "invalid-value", path: at, message: issue.message });
    }
  }
  return problems;
}
