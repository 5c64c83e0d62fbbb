// The progress ledger's Markdown: a hidden marker that finds the comment again, then a table.
import type { z } from "zod";
import type { ProgressSnapshotSchema } from "./progress-options.js";

type Snapshot = z.output<typeof ProgressSnapshotSchema>;

/** GitHub refuses comments over 65,536 characters; rows past this budget are summarised. */
const MAX_BODY_CHARS = 60_000;
/** One cell's longest text: a node id, an agent, a status or a URL. */
const MAX_CELL_CHARS = 200;

/**
 * The hidden first line of a run's progress comment. The run id is URI-encoded (run ids are
 * `[A-Za-z0-9._-]`, so it is the id itself), so no value can end the HTML comment.
 */
export const progressMarker = (runId: string): string => `<!-- hybrid:progress run=${encodeURIComponent(runId)} -->`;

/** True when `body` is a progress comment of `runId`: its first line is exactly the marker. */
export function isProgressComment(body: string, runId: string): boolean {
  const marker = progressMarker(runId);
  if (!body.startsWith(marker)) return false;
  const rest = body.slice(marker.length);
  // A comment edited on github.com comes back with CRLF line ends.
  return rest === "" || rest.startsWith("\n") || rest.startsWith("\r\n");
}

const clip = (text: string): string => (text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS - 1)}…` : text);
// Inline code that no value can close early or use to break out of its table cell.
const code = (text: string): string => `\`${clip(text.replace(/[`\r\n]/g, " ")).replace(/\|/g, "\\|")}\``;

function handoffCell(url: string | undefined): string {
  if (url === undefined) return "";
  if (!/^https?:\/\//i.test(url)) return code(url);
  // Only characters a Markdown link target and a table cell both leave alone.
  const target = url.replace(/[\s()<>|`\\[\]]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  return `[handoff](${clip(target)})`;
}

function counts(snapshot: Snapshot): string {
  const byStatus = new Map<string, number>();
  for (const node of snapshot.nodes) byStatus.set(node.status, (byStatus.get(node.status) ?? 0) + 1);
  const parts = [...byStatus.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([status, n]) => `${n} ${clip(status.replace(/[`\r\n]/g, " "))}`);
  return `**${snapshot.nodes.length} node${snapshot.nodes.length === 1 ? "" : "s"}**${parts.length > 0 ? `: ${parts.join(" · ")}` : ""}`;
}

/**
 * The body of a run's progress comment (and of its `progress.md`): the marker, then the run, mode,
 * wave k/n, counts by status, last update time, and one row per node in the snapshot's order.
 * Everything after the marker goes through `redact`.
 */
export function renderProgress(snapshot: Snapshot, redact: (text: string) => string): string {
  const head = [
    `### hybrid progress: run ${code(snapshot.runId)}`,
    "",
    `Workflow ${code(snapshot.workflowId)} · mode **${snapshot.mode}** · wave ${snapshot.wave}/${snapshot.waves} · updated ${new Date(snapshot.at).toISOString()}`,
    "",
    counts(snapshot),
    "",
    "| node | agent | status | attempts | handoff |",
    "|---|---|---|---|---|",
  ];
  const rows: string[] = [];
  let size = head.join("\n").length;
  for (const [index, node] of snapshot.nodes.entries()) {
    const row = `| ${code(node.id)} | ${code(node.agent)} | ${code(node.status)} | ${node.attempts} | ${handoffCell(node.handoffUrl)} |`;
    if (size + row.length + 1 > MAX_BODY_CHARS) {
      rows.push("", `… and ${snapshot.nodes.length - index} more node(s), not shown: GitHub limits a comment's length.`);
      break;
    }
    rows.push(row);
    size += row.length + 1;
  }
  return `${progressMarker(snapshot.runId)}\n${redact([...head, ...rows].join("\n"))}\n`;
}
