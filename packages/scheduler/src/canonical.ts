import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

/**
 * RFC 8785 canonical JSON (keys sorted by UTF-16 code units, ECMAScript number form, `undefined`
 * fields left out), through the maintained `canonicalize`. For every value a validated workflow can
 * hold it gives the same text as the hand-written serialiser it replaced, so no `specHash` changed
 * (test/canonical.test.ts keeps that serialiser as the reference). It throws on NaN, Infinity and
 * unpaired surrogates, which the workflow schema rejects before anything is hashed.
 */
export function canonicalJson(value: unknown): string {
  return canonicalize(value)!;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
