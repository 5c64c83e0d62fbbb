// The journal file format: one JSON record a line, `{"v":1,"seq":n,"sum":"…","event":{…}}`.
// `v` is the format version of the line, `seq` counts lines from 1 (a gap means lines went
// missing), `sum` is a checksum of the event's JSON (a torn or bit-flipped line fails it).
// Specified in docs/journal.md.
import { lineChecksum } from "./digest.js";
import { JournalCorruptError, JournalVersionError } from "./errors.js";
import type { JournalEvent } from "./journal-events.js";
import { JournalEventSchema } from "./journal-events.js";
import { toIssues } from "./zod-issues.js";

/** The journal format version this package writes and reads. */
export const JOURNAL_FORMAT_VERSION = 1;

/** One journal line, newline included. */
export function formatLine(seq: number, event: JournalEvent): string {
  const json = JSON.stringify(event);
  return `{"v":${JOURNAL_FORMAT_VERSION},"seq":${seq},"sum":"${lineChecksum(json)}","event":${json}}\n`;
}

/** What a scan of a journal file found. */
export interface JournalScan {
  events: JournalEvent[];
  warnings: string[];
  /** Sequence number of the last good line (0 when none). */
  lastSeq: number;
  /** Byte length of the good prefix; anything after it is a torn tail to cut before appending. */
  goodBytes: number;
  /** The good prefix does not end in a newline (the last good line was written without one). */
  needsNewline: boolean;
}

type Checked = { event: JournalEvent } | { problem: string; torn: boolean } | { version: unknown };

function checkLine(text: string, expectedSeq: number): Checked {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return { problem: "not valid JSON (torn write?)", torn: true };
  }
  const fields = (typeof record === "object" && record !== null ? record : {}) as Record<string, unknown>;
  const { v, seq, sum, event } = fields;
  // A line that says it is of another version is refused before anything of this version's layout is
  // checked: a later version may lay out or checksum its lines differently, and such a line must
  // neither be called corrupt nor, as a last line, be dropped and cut off as a torn write.
  if ("v" in fields && v !== JOURNAL_FORMAT_VERSION) return { version: v };
  if (typeof seq !== "number" || typeof sum !== "string" || typeof event !== "object" || event === null) {
    return { problem: "not a journal record (expected v, seq, sum, event)", torn: true };
  }
  if (lineChecksum(JSON.stringify(event)) !== sum) return { problem: "checksum mismatch", torn: true };
  // An intact line without a version (written before the envelope had one) is refused, not misread.
  if (v !== JOURNAL_FORMAT_VERSION) return { version: v };
  // An intact line out of sequence means lines went missing: never a torn write, even at the end.
  if (seq !== expectedSeq) return { problem: `sequence ${seq}, expected ${expectedSeq}`, torn: false };
  const parsed = JournalEventSchema.safeParse(event);
  if (!parsed.success) {
    const issues = toIssues(parsed.error).map((issue) => `${issue.path || "(event)"}: ${issue.message}`);
    return { problem: `not a valid event: ${issues.join("; ")}`, torn: false };
  }
  return { event: parsed.data as JournalEvent };
}

/**
 * Reads a journal's text. A bad LAST line is a torn write (the process died mid-append): it is
 * ignored with a warning. A bad line with good lines after it cannot be a torn write, so the
 * journal is not trusted.
 * @throws JournalCorruptError naming the file and 1-based line.
 * @throws JournalVersionError for a line written in another format version.
 */
export function scanJournal(file: string, text: string): JournalScan {
  const lines = text.split("\n");
  const events: JournalEvent[] = [];
  const warnings: string[] = [];
  let offset = 0;
  let goodBytes = 0;
  let needsNewline = false;
  // The last non-empty line's index: only it may be torn.
  let lastIndex = lines.length - 1;
  while (lastIndex >= 0 && lines[lastIndex]!.trim() === "") lastIndex -= 1;
  for (let index = 0; index <= lastIndex; index += 1) {
    const line = lines[index]!;
    const hasNewline = index < lines.length - 1;
    const lineBytes = Buffer.byteLength(line, "utf8") + (hasNewline ? 1 : 0);
    if (line.trim() === "") {
      offset += lineBytes;
      goodBytes = offset;
      continue;
    }
    const checked = checkLine(line, events.length + 1);
    if ("version" in checked) throw new JournalVersionError(file, index + 1, checked.version, JOURNAL_FORMAT_VERSION);
    if ("problem" in checked) {
      if (index === lastIndex && checked.torn) {
        warnings.push(`[resilience] ${file}:${index + 1}: ignored a torn or corrupt last line (${checked.problem})`);
        break;
      }
      throw new JournalCorruptError(file, index + 1, checked.problem);
    }
    events.push(checked.event);
    offset += lineBytes;
    goodBytes = offset;
    needsNewline = !hasNewline;
  }
  return { events, warnings, lastSeq: events.length, goodBytes, needsNewline };
}
