import { createHash } from "node:crypto";

/** `sha256:<hex>` of a node output, the form stored as `outputDigest`. */
export function digestOutput(output: string): string {
  return `sha256:${createHash("sha256").update(output, "utf8").digest("hex")}`;
}

/** First 16 hex chars of sha256: enough to catch a torn or bit-flipped journal line. */
export function lineChecksum(json: string): string {
  return createHash("sha256").update(json, "utf8").digest("hex").slice(0, 16);
}
