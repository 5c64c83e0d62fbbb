// The three scanners every byte is put through: our redactor's detector (@hybrid/context's
// `redactSecrets`, its public API), secretlint with its recommended preset (an independent
// implementation), and a plain substring oracle for the planted values themselves, compared
// case-insensitively so that a secret re-cased on its way (lower-cased words in a reason) counts.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative } from "node:path";
import { redact, redactSecrets } from "@hybrid/context";
import { lintSource } from "@secretlint/core";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";

/** Something written or printed by the runs, with the location it is reported under. */
export interface ScanTarget {
  location: string;
  name: string;
  text: string;
}

/** A value that must never appear verbatim, and what it is. */
export interface Needle {
  kind: string;
  core: string;
}

export interface Finding {
  scanner: "ours" | "secretlint" | "verbatim";
  location: string;
  name: string;
  /** Our kind, secretlint's rule id, or the planted kind. */
  kind: string;
  /** The text around it, redacted (a report must not carry what it found). */
  around?: string;
}

/** 60 characters before and 20 after a span, the span itself left out, redacted, on one line. */
export const around = (text: string, start: number, end: number): string =>
  redact(`${text.slice(Math.max(0, start - 60), start)}[FOUND]${text.slice(end, end + 20)}`).replace(/\s+/g, " ");

const SECRETLINT_CONFIG = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommended }] };

/** secretlint's messages for `text`, as if it were the file `name`: rule id and offsets. */
export async function secretlintScan(text: string, name: string): Promise<Array<{ ruleId: string; start: number; end: number }>> {
  const ext = extname(name) || ".txt";
  const result = await lintSource({
    source: { filePath: `/virtual/${name.replace(/[^\w./-]/g, "_")}`, content: text, ext, contentType: "text" },
    options: { config: SECRETLINT_CONFIG, noPhysicFilePath: true },
  });
  return result.messages.map((m) => ({ ruleId: m.messageId ? `${m.ruleId}:${m.messageId}` : m.ruleId, start: m.range[0], end: m.range[1] }));
}

/** Our detector's findings: kind and offsets. */
export function oursScan(text: string): Array<{ kind: string; start: number; end: number }> {
  return redactSecrets(text).findings.map((f) => ({ kind: f.kind, start: f.start, end: f.end }));
}

/** The needles that occur in `text`, ignoring case. Pure. */
export function verbatimScan(text: string, needles: readonly Needle[]): Needle[] {
  const folded = text.toLowerCase();
  return needles.filter((n) => n.core.length > 0 && folded.includes(n.core.toLowerCase()));
}

/** Every finding of the three scanners in `targets`. */
export async function scanAll(targets: readonly ScanTarget[], needles: readonly Needle[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const t of targets) {
    const at = { location: t.location, name: t.name };
    for (const f of oursScan(t.text)) findings.push({ scanner: "ours", ...at, kind: f.kind, around: around(t.text, f.start, f.end) });
    for (const m of await secretlintScan(t.text, t.name)) findings.push({ scanner: "secretlint", ...at, kind: m.ruleId, around: around(t.text, m.start, m.end) });
    for (const n of verbatimScan(t.text, needles)) findings.push({ scanner: "verbatim", ...at, kind: n.kind });
  }
  return findings;
}

/** Where a file under a state directory belongs in the report, by its path in the directory. */
export function locationOf(path: string): string {
  const p = path.split("\\").join("/");
  if (/(^|\/)journal[^/]*\.jsonl$/.test(p)) return "journals";
  if (/(^|\/)ledger[^/]*$/.test(p)) return "ledger";
  if (/(^|\/)runs\.jsonl$/.test(p)) return "run records";
  if (/(^|\/)cache\//.test(p)) return "cache";
  if (/(^|\/)progress[^/]*$/.test(p)) return "progress";
  if (/(^|\/)cli\.json$/.test(p)) return "cli.json";
  if (/(^|\/)runs\/[^/]+\/workflow\.json$/.test(p)) return "saved workflow copies";
  if (/\.html?$/.test(p) || /(^|\/)(dashboard|reports?)\//.test(p)) return "reports";
  if (/(^|\/)incidents\//.test(p)) return "incidents";
  return "other state files";
}

/** Every file under `dir`, recursively, as scan targets (`prefix` names the directory). */
export function filesUnder(dir: string, prefix: string, location?: (relativePath: string) => string): ScanTarget[] {
  const out: ScanTarget[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() || statSync(path).isFile()) {
        const rel = relative(dir, path);
        out.push({ location: location ? location(rel) : locationOf(rel), name: `${prefix}/${rel}`, text: readFileSync(path, "utf8") });
      }
    }
  };
  walk(dir);
  return out;
}

/** Findings counted by scanner and location: `{ [location]: { ours, secretlint, verbatim } }`. Pure. */
export function tally(findings: readonly Finding[], locations: readonly string[]): Record<string, Record<Finding["scanner"], number>> {
  const table: Record<string, Record<Finding["scanner"], number>> = {};
  for (const location of locations) table[location] = { ours: 0, secretlint: 0, verbatim: 0 };
  for (const f of findings) (table[f.location] ??= { ours: 0, secretlint: 0, verbatim: 0 })[f.scanner] += 1;
  return table;
}
