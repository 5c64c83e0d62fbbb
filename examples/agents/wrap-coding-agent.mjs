#!/usr/bin/env node
// Wraps a coding-agent CLI (claude -p, codex exec, aider --message, …) as a hybrid command agent.
// hybrid's command runner writes the node's prompt on stdin, sets HYBRID_RUN_ID, HYBRID_NODE_ID,
// HYBRID_ATTEMPT and HYBRID_IDEMPOTENCY_KEY, and reads the output on stdout. This script adapts
// that contract to an agent CLI that takes its prompt as an argument and prints free text, and
// turns the agent's "try again later" failures into exit code 75, which hybrid retries.
//
//   hybrid run wf.yaml --runner command \
//     --command "node examples/agents/wrap-coding-agent.mjs --output claude-json -- claude -p --output-format json"
//
// Plain JavaScript on purpose: it runs with `node` alone, wherever hybrid is installed. See docs/agents.md.
import { spawn } from "node:child_process";

const USAGE = `usage: wrap-coding-agent.mjs [options] -- <agent command> [args…]
  --prompt-as arg|stdin      the prompt as the last argument (default), or on the agent's stdin
  --output text|claude-json  read the agent's stdout as text (default), or as claude -p --output-format json
  --transient REGEX          a failure whose stderr matches it exits 75 (retried); default: rate limits, 429, 5xx, overload, timeouts
  --no-footer                do not append the run/node/attempt/idempotency-key note to the prompt`;

// What agent CLIs print when the provider, not the task, failed: worth another attempt.
const DEFAULT_TRANSIENT = "rate.?limit|too many requests|\\b429\\b|\\b50[234]\\b|overloaded|timed? ?out|ECONNRESET|ETIMEDOUT|EAI_AGAIN";
const EX_TEMPFAIL = 75; // hybrid's command runner treats it as transient
const STDERR_TAIL = 64 * 1024; // enough to match a pattern; agents can be chatty

function fail(message, code = 2) {
  process.stderr.write(`wrap-coding-agent: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const options = { promptAs: "arg", output: "text", transient: DEFAULT_TRANSIENT, footer: true, command: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      options.command = argv.slice(i + 1);
      break;
    }
    const value = () => argv[++i] ?? fail(`${arg} needs a value\n${USAGE}`);
    if (arg === "--prompt-as") options.promptAs = value();
    else if (arg === "--output") options.output = value();
    else if (arg === "--transient") options.transient = value();
    else if (arg === "--no-footer") options.footer = false;
    else fail(`unknown option ${arg}\n${USAGE}`);
  }
  if (options.command.length === 0) fail(`no agent command after --\n${USAGE}`);
  if (!["arg", "stdin"].includes(options.promptAs)) fail(`--prompt-as must be arg or stdin, not ${options.promptAs}`);
  if (!["text", "claude-json"].includes(options.output)) fail(`--output must be text or claude-json, not ${options.output}`);
  try {
    options.transientPattern = new RegExp(options.transient, "i");
  } catch (error) {
    fail(`--transient is not a regular expression: ${error.message}`);
  }
  return options;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

// The idempotency key is stable across attempts and restarts of a node: an agent that names its
// branch or commit after it finds its own earlier work on a retry instead of doing it twice.
function footer(env) {
  if (!env.HYBRID_NODE_ID) return "";
  return (
    `\n\n---\nhybrid run ${env.HYBRID_RUN_ID}, node ${env.HYBRID_NODE_ID}, attempt ${env.HYBRID_ATTEMPT}. ` +
    `Idempotency key: ${env.HYBRID_IDEMPOTENCY_KEY} — name any branch, commit or PR you create after it, and reuse one that already carries it.`
  );
}

// claude -p --output-format json prints one object: { result, is_error, usage: { input_tokens,
// cache_creation_input_tokens, cache_read_input_tokens, output_tokens }, … }. Every input token the
// model read counts as input, cached or not; without usage, tokens stay unknown (never guessed).
function fromClaudeJson(stdout) {
  let parsed;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return { error: `the agent's output is not JSON (--output claude-json): ${stdout.slice(0, 200)}` };
  }
  if (parsed.is_error === true || typeof parsed.result !== "string") return { error: `the agent reported an error: ${String(parsed.result ?? parsed.subtype ?? "no result").slice(0, 500)}` };
  const usage = parsed.usage ?? {};
  const count = (n) => (Number.isSafeInteger(n) && n >= 0 ? n : undefined);
  const input = [usage.input_tokens, usage.cache_creation_input_tokens ?? 0, usage.cache_read_input_tokens ?? 0].map(count);
  const output = count(usage.output_tokens);
  const tokens = input.every((n) => n !== undefined) && output !== undefined ? { input: input.reduce((a, b) => a + b, 0), output } : undefined;
  return { result: JSON.stringify(tokens ? { output: parsed.result, tokens } : { output: parsed.result }) };
}

const options = parseArgs(process.argv.slice(2));
const prompt = (await readStdin()) + (options.footer ? footer(process.env) : "");
const [command, ...args] = options.command;
// No shell: the prompt is one argument, never interpreted. The agent stays in our process group,
// so when hybrid stops the node (timeout, Ctrl-C) it stops the agent with us.
const agent = spawn(command, options.promptAs === "arg" ? [...args, prompt] : args, { stdio: ["pipe", "pipe", "pipe"], env: process.env });

const stdout = [];
let stderrTail = "";
agent.stdout.on("data", (chunk) => stdout.push(chunk));
agent.stderr.on("data", (chunk) => {
  process.stderr.write(chunk); // hybrid keeps the tail of our stderr for its failure report
  stderrTail = (stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL);
});
agent.stdin.on("error", () => {}); // an agent that ignores stdin closes it early
agent.stdin.end(options.promptAs === "stdin" ? prompt : "");

const exit = await new Promise((resolve) => {
  agent.once("error", (error) => resolve({ error }));
  agent.once("close", (code, signal) => resolve({ code, signal }));
});
if (exit.error) fail(`cannot start ${command}: ${exit.error.message}`, exit.error.code === "ENOENT" ? 127 : 126);

const text = Buffer.concat(stdout).toString("utf8");
if (exit.code !== 0) {
  const transient = options.transientPattern.test(stderrTail) || options.transientPattern.test(text.slice(-STDERR_TAIL));
  const how = exit.code === null ? `was killed by ${exit.signal}` : `exited with ${exit.code}`;
  fail(`${command} ${how}${transient ? " (transient: exiting 75 so hybrid retries)" : ""}`, transient ? EX_TEMPFAIL : (exit.code ?? 1));
}
if (options.output === "claude-json") {
  const { result, error } = fromClaudeJson(text);
  if (error) fail(error, options.transientPattern.test(error) ? EX_TEMPFAIL : 1);
  process.stdout.write(result);
} else {
  process.stdout.write(text);
}
