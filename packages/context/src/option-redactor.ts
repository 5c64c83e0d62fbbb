import { z } from "zod";
import { ContextOptionsError } from "./errors.js";

/** A `(text) => string` redactor, as the `redact` options of this package and others take. */
export type RedactFn = (text: string) => string;

// Set by the redaction module on `redactSecrets`; checked by symbol so this module needs no import.
const SCANNER_BRAND = Symbol.for("hybrid.context.redactSecrets");
const WRONG_FUNCTION = "expected (text) => string: this is redactSecrets, which returns { text, findings }; pass redact instead";
const NOT_A_STRING = "expected (text) => string, but it returned something else; if it returns { text, findings }, pass redact instead";

function returnsString(fn: RedactFn): boolean {
  try {
    return typeof fn("redaction probe") === "string";
  } catch {
    // A redactor that throws on a plain sentence throws on real input too: let it fail there, loudly.
    return true;
  }
}

/**
 * The zod schema of a `redact` option. It rejects, at the option boundary, `redactSecrets` and any
 * function that returns something other than a string for a plain sentence, with a message that
 * says to pass `redact`.
 */
export const redactOption = z
  .custom<RedactFn>((value) => typeof value === "function", "expected a function (text) => string")
  .superRefine((fn, ctx) => {
    if ((fn as unknown as Record<symbol, unknown>)[SCANNER_BRAND] === true) ctx.addIssue({ code: "custom", message: WRONG_FUNCTION });
    else if (!returnsString(fn)) ctx.addIssue({ code: "custom", message: NOT_A_STRING });
  });

/**
 * Wraps a redactor so that a non-string result at any later call fails with `ContextOptionsError`
 * naming the option, instead of a TypeError deep in a writer.
 */
export function checkedRedactor(fn: RedactFn, option: string): RedactFn {
  return (text) => {
    const out: unknown = fn(text);
    if (typeof out !== "string") throw new ContextOptionsError("options", [{ path: option, message: NOT_A_STRING }]);
    return out;
  };
}
