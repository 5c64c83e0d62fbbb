import type { z } from "zod";
import type { ValidationIssue } from "./errors.js";

/** Formats a zod path as `nodes[3].dependsOn[0]`, the way every hybrid error names a location. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Turns a ZodError into our issue list, so no raw zod dump crosses the package boundary. */
export function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}
