import { createHash } from "node:crypto";

/** JSON with object keys sorted at every level and `undefined` fields left out. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  });
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
