import { REDACTION_RULES } from "./redact-rules.js";

/** One secret or piece of PII found in a text; offsets are into the original text. */
export interface RedactionFinding {
  kind: string;
  start: number;
  end: number;
}

/** The redacted text and what was replaced. */
export interface RedactionResult {
  text: string;
  findings: RedactionFinding[];
}

/** The kinds `redactSecrets` detects, for docs and tests. */
export const REDACTION_KINDS: readonly string[] = [...new Set(REDACTION_RULES.map((rule) => rule.kind))];

// The `d` flag gives the offsets of capture groups, so a finding covers exactly the secret.
const COMPILED = REDACTION_RULES.map((rule) => ({
  ...rule,
  pattern: new RegExp(rule.pattern.source, `${rule.pattern.flags}d`),
}));

/**
 * Replaces each secret and piece of PII with `[REDACTED:kind]`: cloud and SaaS keys and tokens, PEM
 * private keys, JWTs, credentials in URLs, `Authorization` headers, high-entropy `password=`-style
 * assignments, emails, phone numbers and Luhn-valid card numbers. Git SHAs, digests, UUIDs, data
 * URIs, identifiers, versions and prose are left alone. Pure and deterministic.
 */
export function redactSecrets(text: string): RedactionResult {
  const candidates: (RedactionFinding & { rank: number })[] = [];
  COMPILED.forEach((rule, rank) => {
    for (const match of text.matchAll(rule.pattern)) {
      // Every rule's secret group takes part in every match, and no pattern matches the empty string.
      const secret = match[rule.group ?? 0]!;
      if (rule.accept && !rule.accept(secret)) continue;
      const start = match.indices![rule.group ?? 0]![0];
      candidates.push({ kind: rule.kind, start, end: start + secret.length, rank });
    }
  });
  // Earliest first, then longest, then the more specific rule; overlapping later claims are dropped.
  candidates.sort((a, b) => a.start - b.start || b.end - a.end || a.rank - b.rank);
  const findings: RedactionFinding[] = [];
  let out = "";
  let cursor = 0;
  for (const { kind, start, end } of candidates) {
    if (start < cursor) continue;
    out += `${text.slice(cursor, start)}[REDACTED:${kind}]`;
    cursor = end;
    findings.push({ kind, start, end });
  }
  return { text: out + text.slice(cursor), findings };
}

/** `redactSecrets(text).text`: the `(text) => string` other packages take as `redact`. */
export function redact(text: string): string {
  return redactSecrets(text).text;
}

/** Returns a `(text) => string` redactor (for `redact?:` options of other packages). */
export function createRedactor(): (text: string) => string {
  return redact;
}

/** Counts findings by kind, sorted by kind for stable output. */
export function countFindings(findings: readonly RedactionFinding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of findings.map((f) => f.kind).sort()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}
