// docs/journal.md specifies the journal; this keeps it from drifting from the schemas: the event
// headings are exactly JOURNAL_EVENT_TYPES, in order, and every field table lists exactly the fields
// of its schema, with "optional" exactly where the schema has an optional field.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  AgentProcessSchema,
  BreakerStateSchema,
  ErrorInfoSchema,
  FailureCategorySchema,
  JOURNAL_EVENT_TYPES,
  JournalEventSchema,
  JournalNodeSchema,
  TokenUsageSchema,
} from "@hybrid/resilience";

const doc = readFileSync(new URL("../../../docs/journal.md", import.meta.url), "utf8");

/** The text of a section: from its heading line to the next heading of the same or a higher level. */
function section(heading: string, within = doc): string {
  const lines = within.split("\n");
  const start = lines.findIndex((line) => line === heading);
  if (start < 0) throw new Error(`docs/journal.md has no heading ${JSON.stringify(heading)}`);
  const level = heading.indexOf(" ");
  const end = lines.findIndex((line, i) => i > start && /^#+ /.test(line) && line.indexOf(" ") <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

/** The rows of the first field table in `text`: field name → its type column. */
function fieldTable(text: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^\s*\| `([^`]+)` \| ([^|]*(?:\\\|[^|]*)*) \|/.exec(line);
    if (match) rows.set(match[1]!, match[2]!.trim());
  }
  return rows;
}

type Shape = Record<string, z.ZodType>;
const optional = (schema: z.ZodType): boolean => schema.safeParse(undefined).success;

function expectTableMatches(table: Map<string, string>, shape: Shape, where: string): void {
  expect([...table.keys()].sort(), where).toEqual(Object.keys(shape).sort());
  for (const [field, type] of table) expect(type.includes("optional"), `${where}: ${field} optional`).toBe(optional(shape[field]!));
}

const eventSchemas = new Map(
  (JournalEventSchema.options as unknown as Array<z.ZodObject<Shape>>).map((schema) => [(schema.shape.type as z.ZodLiteral<string>).value, schema.shape]),
);

describe("docs/journal.md", () => {
  const events = section("## Events");

  it("has one heading per event type, exactly JOURNAL_EVENT_TYPES in order", () => {
    const headings = [...events.matchAll(/^### `([^`]+)`$/gm)].map((match) => match[1]);
    expect(headings).toEqual([...JOURNAL_EVENT_TYPES]);
    expect([...eventSchemas.keys()]).toEqual([...JOURNAL_EVENT_TYPES]);
  });

  it.each([...JOURNAL_EVENT_TYPES])("lists every field of %s, and only those, optional where the schema is", (type) => {
    const text = section(`### \`${type}\``, events);
    expect(text, `${type} says when it is written`).toMatch(/^\nWritten |\n\nWritten /);
    expectTableMatches(fieldTable(text), eventSchemas.get(type)!, type);
  });

  it("specifies the shared shapes field by field", () => {
    const shared = section("## Shared shapes");
    const shapes: Array<[string, Shape]> = [
      ["JournalNode", JournalNodeSchema.shape],
      ["ErrorInfo", ErrorInfoSchema.shape],
      ["TokenUsage", TokenUsageSchema.shape],
      ["AgentProcess", AgentProcessSchema.shape],
      ["BreakerState", BreakerStateSchema.shape],
    ];
    for (const [name, shape] of shapes) expectTableMatches(fieldTable(section(`### ${name}`, shared)), shape, name);
    const categories = section("### FailureCategory", shared);
    for (const category of FailureCategorySchema.options) expect(categories).toContain(`\`${category}\``);
    expect([...categories.matchAll(/`([a-z-]+)`/g)].map((match) => match[1])).toEqual([...FailureCategorySchema.options]);
  });

  it("specifies the files, the envelope and the three reading rules", () => {
    const files = section("## Files");
    for (const path of ["<runId>/", "journal.jsonl", "journal.jsonl.lock/", "journal.jsonl.lock.holder"]) expect(files).toContain(path);
    expect([...fieldTable(files).keys()]).toEqual(["pid", "hostname", "startTime", "acquiredAt"]);
    const envelope = section("## The envelope");
    expect([...fieldTable(envelope).keys()]).toEqual(["v", "seq", "sum", "event"]);
    for (const rule of ["### Reading: the version rule", "### Reading: the torn-tail rule", "### Reading: corruption"]) expect(section(rule, envelope).length).toBeGreaterThan(200);
    expect(section("## The replay rule").length).toBeGreaterThan(500);
  });
});
