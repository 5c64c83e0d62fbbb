// The stand-in agent of the Recovery category (run by the command runner, one process per attempt).
// Every record is one JSON line appended with O_APPEND in one write, so lines of concurrent agents
// never mix and file order is the order things happened:
//   start  — the copy began (before it reads its prompt);
//   commit — the side effect was done: the first copy to finish for this idempotency key;
//   reuse  — a copy finished, found its key already committed and did nothing (docs/agents.md: an
//            agent keys what must happen once on HYBRID_IDEMPOTENCY_KEY and reuses what carries it);
//   end    — the copy finished and answers;
//   stop   — the copy got SIGTERM (a stop, or a resume reaping a survivor) before it ended.
// The dedupe is a plain read-then-append, as an agent that searches for its PR before opening one
// would do: two copies alive at once could both commit, so overlap shows up as a committed duplicate.
// Its work takes a seeded random time (EFFECT_SEED, node, attempt), so kills land at varied moments.
import { openSync, readFileSync, writeSync } from "node:fs";

const file = process.env.SIDE_EFFECTS;
if (!file) {
  process.stderr.write("side-effect-agent: SIDE_EFFECTS is not set\n");
  process.exit(2);
}
const node = process.env.HYBRID_NODE_ID ?? "";
const key = process.env.HYBRID_IDEMPOTENCY_KEY ?? "";
const attempt = Number(process.env.HYBRID_ATTEMPT ?? 0);
const fd = openSync(file, "a");
const record = (what) => writeSync(fd, `${JSON.stringify({ what, node, key, attempt, pid: process.pid, at: Date.now() })}\n`);

// FNV-1a over seed, node and attempt, then a mulberry32 draw: small, dependency-free, seeded.
function draw(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  let t = (h + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const minMs = Number(process.env.EFFECT_MIN_MS ?? 50);
const maxMs = Number(process.env.EFFECT_MAX_MS ?? 400);
const workMs = minMs + draw(`${process.env.EFFECT_SEED ?? "1"}:${node}:${attempt}`) * (maxMs - minMs);

let ended = false;
// Installed before `start` is written: a copy that says it started always says how it stopped,
// unless it is SIGKILLed (then the oracle sees a copy that never closed).
process.on("SIGTERM", () => {
  if (!ended) record("stop");
  process.exit(143);
});
record("start");
let prompt = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) prompt += chunk;
await new Promise((resolve) => setTimeout(resolve, workMs));

const committed = readFileSync(file, "utf8")
  .split("\n")
  .some((line) => line.includes('"what":"commit"') && JSON.parse(line).key === key);
record(committed ? "reuse" : "commit");
ended = true;
record("end");
process.stdout.write(`${node}: work finished (${prompt.length} prompt characters read; side effect ${committed ? "reused" : "committed"} under ${key})\n`);
