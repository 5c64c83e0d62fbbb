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
function maskMarkers(text: string): { work: string; markers: number[] } {
  if (!text.includes("[REDACTED:")) return { work: text, markers: [] };
  const markers: number[] = [];
  const work = text.replace(MARKER, (marker, at: number) => {
    markers.push(at, at + marker.length);
    return '"'.repeat(marker.length);
  });
  return { work, markers };
}

/** Whether [start, end) touches one of the (sorted, flattened) marker spans. */
function overlapsMarker(markers: readonly number[], start: number, end: number): boolean {
  let lo = 0;
  let hi = markers.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (markers[mid * 2 + 1]! <= start) lo = mid + 1;
    else hi = mid;
  }
  return lo < markers.length / 2 && markers[lo * 2]! < end;
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

export interface Ranked extends Candidate {
  rank: number;
}

export function createEngine(detectors: readonly Detector[], options: EngineOptions = {}): Engine {
  const keywords = [...new Set(detectors.flatMap((d) => d.keywords))];
  const index = createKeywordIndex(keywords);
  const keywordIds = detectors.map((d) => d.keywords.map((k) => keywords.indexOf(k)));
  const allow = options.allow ?? new Set<string>();
  const disabled = options.disabled ?? new Set<string>();
  const kinds = [...new Set(detectors.flatMap((d) => d.kinds))].filter((kind) => !disabled.has(kind)).sort();

  const detect = (text: string): Ranked[] => {
    const { work, markers } = maskMarkers(text);
    const present = index.scan(work);
    const candidates: Ranked[] = [];
    detectors.forEach((detector, rank) => {
      const ids = keywordIds[rank]!;
      if (ids.length > 0 && !ids.some((id) => present[id] === 1)) return;
      const found: Candidate[] = [];
      detector.find(work, found);
      for (const c of found as Ranked[]) {
        if (c.end <= c.start || disabled.has(c.kind) || (allow.size > 0 && allow.has(text.slice(c.start, c.end)))) continue;
        if (markers.length > 0 && overlapsMarker(markers, c.start, c.end)) continue;
        c.rank = rank;
        candidates.push(c);
      }
    });
    return candidates;
  };

  return {
    kinds,
    scan(text) {
      let findings = resolve(detect(text));
      if (findings.length > 0) findings = resolve([...findings.map((f) => ({ ...f, rank: -1 })), ...echoes(text, findings)]);
      // A marker changes what its neighbours see (a `+` glued to a token starts an international
      // phone number once the token is a marker). Scanning the output again until nothing
      // new turns up makes `redact(redact(x)) === redact(x)`; text without secrets is scanned once.
      for (let round = 0; round < MAX_ROUNDS && findings.length > 0; round++) {
        const output = write(text, findings);
        const more = detect(output.text);
        if (more.length === 0) return output;
        const merged = resolve([...findings.map((f) => ({ ...f, rank: -1 })), ...toOriginal(more, findings)]);
        if (sameSpans(merged, findings)) return output;
        findings = merged;
      }
      return write(text, findings);
    },
  };
}

const MAX_ROUNDS = 4;

function sameSpans(a: readonly RedactionFinding[], b: readonly RedactionFinding[]): boolean {
  return a.length === b.length && a.every((f, i) => f.start === b[i]!.start && f.end === b[i]!.end);
}
const ECHO_MIN_LENGTH = 16;
const ECHO_MAX_SECRETS = 64;

/**
 * Other occurrences of a secret already found: a key recognised in `privateKey = "0x…"` is
 * redacted in `new Wallet("0x…")` too, where nothing around it says it is one. Up to 64 distinct
 * secrets of 16+ characters, each found with one `indexOf` pass, so the cost stays linear.
 */
function echoes(text: string, findings: readonly RedactionFinding[]): Ranked[] {
  const kinds = new Map<string, string>();
  for (const f of findings) {
    if (kinds.size >= ECHO_MAX_SECRETS) break;
    const secret = text.slice(f.start, f.end);
    if (secret.length >= ECHO_MIN_LENGTH && !kinds.has(secret)) kinds.set(secret, f.kind);
  }
  // Searched with markers masked, so an occurrence can never cut into a marker.
  const { work } = maskMarkers(text);
  const out: Ranked[] = [];
  for (const [secret, kind] of kinds) {
    for (let at = work.indexOf(secret); at !== -1; at = work.indexOf(secret, at + secret.length)) {
      out.push({ kind, start: at, end: at + secret.length, rank: -1 });
    }
  }
  return out;
}

/**
 * Maps spans found in the redacted output back to the original text; an offset inside or at the
 * edge of a marker maps to the edge of the secret it replaced. One walk over both sorted lists.
 */
export function toOriginal(spans: readonly Ranked[], findings: readonly RedactionFinding[]): Ranked[] {
  // Ends before starts at the same offset: an end may still belong to the marker a start has left.
  const queries = spans.flatMap((span, i) => [
    { offset: span.start, isEnd: false, i },
    { offset: span.end, isEnd: true, i },
  ]);
  queries.sort((a, b) => a.offset - b.offset || Number(b.isEnd) - Number(a.isEnd));
  const mapped = spans.map((span) => ({ ...span }));
  let k = 0;
  let shift = 0; // output offset minus original offset, before marker k
  const markerLength = (f: RedactionFinding) => `[REDACTED:${f.kind}]`.length;
  for (const { offset, isEnd, i } of queries) {
    for (; k < findings.length; k++) {
      const f = findings[k]!;
      const markerEnd = f.start + shift + markerLength(f);
      if (isEnd ? markerEnd >= offset : markerEnd > offset) break;
      shift += markerLength(f) - (f.end - f.start);
    }
    const f = findings[k];
    const markerStart = f === undefined ? Infinity : f.start + shift;
    const inside = isEnd ? offset > markerStart : offset >= markerStart;
    const original = inside ? (isEnd ? f!.end : f!.start) : offset - shift;
    if (isEnd) mapped[i]!.end = original;
    else mapped[i]!.start = original;
  }
  return mapped;
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
