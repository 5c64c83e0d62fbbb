/**
 * Runs detectors over a text and writes `[REDACTED:kind]` markers. The keyword index decides in one
 * pass which detectors run; each runs in linear time (see detector.ts); overlapping candidates are
 * merged so that no part of a secret survives next to a marker.
 *
 * Markers already in the text are masked before detection (same length, so offsets hold): no rule
 * can match inside or across one, which makes redaction idempotent and leaves markers intact.
 */
import type { Candidate, Detector } from "./detector.js";
import { createKeywordIndex } from "./keywords.js";

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

/** The marker every redaction writes. */
export const MARKER = /\[REDACTED:[a-z0-9-]{1,64}\]/g;

// `"` ends every value and token class the detectors use, and starts none on its own.
function maskMarkers(text: string): string {
  return text.includes("[REDACTED:") ? text.replace(MARKER, (marker) => '"'.repeat(marker.length)) : text;
}

export interface Engine {
  readonly kinds: readonly string[];
  scan(text: string): RedactionResult;
}

export interface EngineOptions {
  /** Literal strings that are never redacted, even when a rule matches exactly them. */
  allow?: ReadonlySet<string>;
  /** Kinds whose candidates are dropped. */
  disabled?: ReadonlySet<string>;
}

interface Ranked extends Candidate {
  rank: number;
}

export function createEngine(detectors: readonly Detector[], options: EngineOptions = {}): Engine {
  const keywords = [...new Set(detectors.flatMap((d) => d.keywords))];
  const index = createKeywordIndex(keywords);
  const keywordIds = detectors.map((d) => d.keywords.map((k) => keywords.indexOf(k)));
  const allow = options.allow ?? new Set<string>();
  const disabled = options.disabled ?? new Set<string>();
  const kinds = [...new Set(detectors.flatMap((d) => d.kinds))].filter((kind) => !disabled.has(kind)).sort();

  return {
    kinds,
    scan(text) {
      const work = maskMarkers(text);
      const present = index.scan(work);
      const candidates: Ranked[] = [];
      detectors.forEach((detector, rank) => {
        const ids = keywordIds[rank]!;
        if (ids.length > 0 && !ids.some((id) => present[id] === 1)) return;
        const found: Candidate[] = [];
        detector.find(work, found);
        for (const c of found) {
          if (c.end <= c.start || disabled.has(c.kind) || allow.has(text.slice(c.start, c.end))) continue;
          candidates.push({ ...c, rank });
        }
      });
      return write(text, resolve(candidates));
    },
  };
}

/**
 * Earliest first, then longest, then the earlier (more specific) detector. A candidate that overlaps
 * the current finding extends it instead of being dropped, so the tail of a longer secret is never
 * left readable beside the marker.
 */
function resolve(candidates: Ranked[]): RedactionFinding[] {
  candidates.sort((a, b) => a.start - b.start || b.end - a.end || a.rank - b.rank);
  const findings: RedactionFinding[] = [];
  for (const { kind, start, end } of candidates) {
    const last = findings.at(-1);
    if (last !== undefined && start < last.end) {
      if (end > last.end) last.end = end;
      continue;
    }
    findings.push({ kind, start, end });
  }
  return findings;
}

function write(text: string, findings: RedactionFinding[]): RedactionResult {
  if (findings.length === 0) return { text, findings };
  const parts: string[] = [];
  let cursor = 0;
  for (const { kind, start, end } of findings) {
    parts.push(text.slice(cursor, start), `[REDACTED:${kind}]`);
    cursor = end;
  }
  parts.push(text.slice(cursor));
  return { text: parts.join(""), findings };
}
