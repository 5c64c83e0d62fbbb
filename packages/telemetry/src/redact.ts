/** A redaction function: text in, text with secrets replaced out. */
export type Redact = (text: string) => string;

export const identityRedact: Redact = (text) => text;

/**
 * Applies `redact` to every string in a JSON-like value, keys included, and returns a copy.
 * Numbers, booleans and null pass through; the structure is unchanged.
 */
export function redactDeep<T>(value: T, redact: Redact): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact)) as T;
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[redact(key)] = redactDeep(item, redact);
    return out as T;
  }
  return value;
}
