import type { PostMortem } from "./post-mortem.js";
import type { Redact } from "./prepare-event.js";

// A fence longer than any backtick run inside, so stderr cannot close the code block early.
function fence(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const ticks = "`".repeat(Math.max(3, longest + 1));
  return `${ticks}\n${text.replace(/\n$/, "")}\n${ticks}`;
}

// Inline code for ids; ids are [A-Za-z0-9._-] in practice, but strip backticks to be safe.
const code = (text: string): string => `\`${text.replace(/`/g, "'")}\``;

/** Options of {@link renderPostMortemMarkdown}. */
export interface RenderPostMortemOptions {
  /** Applied to the whole rendered text, as a last line of defence. @default identity */
  redact?: Redact;
}

/** Renders a post-mortem as Markdown for an escalation comment. */
export function renderPostMortemMarkdown(postMortem: PostMortem, options: RenderPostMortemOptions = {}): string {
  const redact = options.redact ?? ((text: string) => text);
  const t = postMortem.telemetry;
  const out: string[] = [
    `## Post-mortem: run ${code(postMortem.runId)} — ${postMortem.status}`,
    "",
    postMortem.summary,
    "",
    "| completed | failed | blocked | unfinished | attempts | retries | timeouts | breaker trips | duration | tokens in/out |",
    "|---|---|---|---|---|---|---|---|---|---|",
    `| ${t.completed}/${t.nodeCount} | ${t.failed} | ${t.blocked} | ${postMortem.unfinished.length} | ${t.attempts} | ${t.retries} | ${t.timeouts} | ${t.breakerTrips} | ${t.durationMs}ms | ${t.tokens.input}/${t.tokens.output} |`,
  ];
  if (postMortem.failed.length > 0) out.push("", "### Failed");
  for (const failure of postMortem.failed) {
    out.push(
      "",
      `#### ${code(failure.node)} — ${failure.category}`,
      "",
      `- **Agent:** ${failure.agent ? code(failure.agent) : "unknown"}`,
      `- **Attempts:** ${failure.attempts}`,
      `- **Root cause:** ${failure.rootCause}`,
      `- **Last error:** ${failure.lastError.code ? `${code(failure.lastError.code)} ` : ""}${failure.lastError.message}${failure.lastError.exitCode !== undefined ? ` (exit code ${failure.lastError.exitCode})` : ""}`,
    );
    if (failure.lastError.stderrTail) out.push("", "stderr (tail):", "", fence(failure.lastError.stderrTail));
    out.push("", "**What to do:**", "", ...failure.remediationHints.map((hint) => `- ${hint}`));
  }
  if (postMortem.blocked.length > 0) {
    out.push("", "### Blocked", "", ...postMortem.blocked.map((entry) => `- ${code(entry.node)} blocked by ${code(entry.blockedBy)}`));
  }
  if (postMortem.unfinished.length > 0) {
    out.push("", "### Unfinished", "", `${postMortem.unfinished.map(code).join(", ")} (resume the run to finish them)`);
  }
  if (postMortem.completed.length > 0) out.push("", "### Completed", "", postMortem.completed.map(code).join(", "));
  return redact(`${out.join("\n")}\n`);
}
