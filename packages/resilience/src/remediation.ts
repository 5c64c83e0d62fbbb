import type { FailureCategory } from "./journal-events.js";
import type { PostMortemError } from "./post-mortem.js";

/** A failure with its category settled, as the explainers see it. */
export interface ExplainedFailure {
  node: string;
  agent?: string;
  attempts: number;
  category: FailureCategory;
  error: PostMortemError;
  timeoutMs?: number;
  maxAttempts?: number;
  dependency?: string;
}

const who = (failure: ExplainedFailure): string =>
  failure.agent ? `"${failure.node}" (agent ${failure.agent})` : `"${failure.node}"`;

const errorText = (error: PostMortemError): string =>
  `${error.code ? `[${error.code}] ` : ""}${error.message}${error.exitCode !== undefined ? ` (exit code ${error.exitCode})` : ""}`;

/** One sentence saying what went wrong for a node. */
export function rootCauseOf(failure: ExplainedFailure): string {
  const on = `on attempt ${failure.attempts}`;
  switch (failure.category) {
    case "timeout":
      return `${who(failure)} timed out${failure.timeoutMs !== undefined ? ` after ${failure.timeoutMs}ms` : ""} ${on}`;
    case "transient-exhausted":
      return `${who(failure)} kept failing with transient errors and gave up after ${failure.attempts} attempt(s): ${errorText(failure.error)}`;
    case "permanent":
      return `${who(failure)} failed permanently ${on}: ${errorText(failure.error)}`;
    case "breaker-open":
      return `${who(failure)} was rejected without running: the circuit breaker for ${failure.agent ?? "its agent"} was open`;
    case "dependency-failed":
      return `${who(failure)} could not run because dependency ${failure.dependency ? `"${failure.dependency}"` : "upstream"} failed: ${errorText(failure.error)}`;
    case "gate-failed":
      return `${who(failure)} failed a quality gate: ${errorText(failure.error)}`;
    case "needs-review":
      return `${who(failure)} finished, but its output does not meet its Definition of Done: ${errorText(failure.error)}`;
    case "needs-escalation":
      return `${who(failure)} was stopped for a person to decide: ${errorText(failure.error)}`;
  }
}

// Hints are concrete: they name the node, the option to change and its current value.
export function remediationHints(failure: ExplainedFailure, runId: string): string[] {
  const resume = `resume run \`${runId}\` with \`retryFailed\` (completed nodes keep their outputs)`;
  const { node, error } = failure;
  const agent = failure.agent ?? "the agent";
  switch (failure.category) {
    case "timeout":
      return [
        `Raise \`timeoutMs\` for node "${node}"${failure.timeoutMs !== undefined ? ` (now ${failure.timeoutMs}ms)` : ""}, or split its scope into smaller nodes that each finish in time.`,
        `Check whether ${agent} hangs (waiting on input, a lock or the network) by running "${node}" alone.`,
        `Once fixed, ${resume}.`,
      ];
    case "transient-exhausted":
      return [
        `Check the health and rate limits of ${agent}${error.code ? ` (last error code ${error.code})` : ""}; the failures were transient, so the service may just be degraded.`,
        `Raise \`retry.maxAttempts\`${failure.maxAttempts !== undefined ? ` (now ${failure.maxAttempts})` : ""} or \`retry.maxDelayMs\` to ride out longer outages.`,
        `When ${agent} is healthy again, ${resume}.`,
      ];
    case "permanent": {
      const hints = [`Fix the input or configuration of node "${node}": a retry will not help with this error.`];
      if (error.exitCode !== undefined) hints.push(`The runner exited with code ${error.exitCode}; its stderr tail says why.`);
      if (error.stderrTail) hints.push(`stderr tail: ${error.stderrTail.trim().split("\n").slice(-3).join(" | ")}`);
      hints.push(`After fixing, ${resume}.`);
      return hints;
    }
    case "breaker-open":
      return [
        `Check the health of ${agent}: its recent failures opened the circuit breaker.`,
        "Wait for the breaker cooldown (`breaker.halfOpenAfterMs`) to pass; the breaker state is restored from the journal on resume, so resuming early is rejected again.",
        `When ${agent} is healthy, ${resume}.`,
      ];
    case "dependency-failed":
      return [
        `Fix the failed upstream node${failure.dependency ? ` "${failure.dependency}"` : ""} first; "${node}" depends on its output.`,
        `Then ${resume}; "${node}" runs again with the new upstream output.`,
      ];
    case "gate-failed":
      return [
        `Read the gate report for "${node}" and fix what it flags${error.code ? ` (${error.code})` : ""}.`,
        `If the gate threshold is wrong for this task, adjust the gate configuration; otherwise ${resume}.`,
      ];
    case "needs-review":
      return [
        `Review the output of "${node}" against its acceptance criteria; the gate names the ones it found unaddressed.`,
        `Sharpen the node's scope or acceptance criteria if they were unclear, then ${resume}.`,
      ];
    case "needs-escalation":
      return [
        `Decide between the conflicting upstream outputs of "${node}" (the post-mortem lists each conflict and who said what).`,
        `Record the decision in the workflow (a \`merge-with-rules\` join, or a changed upstream spec), then ${resume}.`,
      ];
  }
}
