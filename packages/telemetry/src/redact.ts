import { z } from "zod";
import { TelemetryOptionsError } from "./errors.js";

/** A redaction function: text in, text with secrets replaced out. */
export type Redact = (text: string) => string;

// Every writer of an artifact (the recorder, the run store, the report and the dashboard) takes
// `redact` as a required option: telemetry cannot import @hybrid/context, so it has no safe
// default of its own, and a silent identity default leaked secrets. An explicit `(text) => text`
// stays possible: it is the caller's visible choice.

const PROBE = "[telemetry] redact probe";

function misuse(got: unknown): string {
  const kind = got === null ? "null" : Array.isArray(got) ? "an array" : typeof got === "object" ? "an object" : `a ${typeof got}`;
  const hint =
    typeof got === "object" && got !== null && "text" in got
      ? " (it looks like { text, findings }: pass `redact`, not `redactSecrets`, e.g. redact: (text) => redactSecrets(text).text)"
      : "";
  return `returned ${kind}, not a string${hint}`;
}

/** Wraps `redact` so that a result that is not a string throws our typed error instead of corrupting output. */
export function checkedRedact(redact: Redact, what: string): Redact {
  return (text) => {
    const out: unknown = redact(text);
    if (typeof out !== "string") throw new TelemetryOptionsError(what, [{ path: "redact", message: misuse(out) }]);
    return out;
  };
}

/**
 * The `redact` option of every writer: required, a function, and (probed once on a fixed harmless
 * string) one that returns a string, so the classic mistake of passing context's `redactSecrets`
 * fails when the writer is created, not in the middle of a run.
 */
export const redactOption = (what: string) =>
  z
    .custom<Redact>((value) => typeof value === "function", {
      message: "required: a function (text: string) => string, e.g. @hybrid/context's redact; an explicit (text) => text opts out",
    })
    .transform((redact, ctx) => {
      const probed: unknown = redact(PROBE);
      if (typeof probed !== "string") {
        ctx.addIssue({ code: "custom", message: misuse(probed) });
        return z.NEVER;
      }
      return checkedRedact(redact, what);
    });

/**
 * Applies `redact` to every string in a JSON-like value, keys included, and returns a copy.
 * Numbers, booleans and null pass through; the structure is unchanged.
 */
export function redactDeep<T>(value: T, redact: Redact): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact)) as T;
  if (typeof value === "object" && value !== null) {
    // fromEntries defines own properties, so a key such as "__proto__" stays data.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [redact(key), redactDeep(item, redact)])) as T;
  }
  return value;
}
