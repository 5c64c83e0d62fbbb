// The live view on a real terminal: a real HybridOrchestrator run (through the fixture, then through
// the `hybrid` CLI itself) inside tmux, its screen read back while it runs and after it exits.
// Deadlines are generous and only bound the polling; nothing asserts how long anything took.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, type TestContext } from "vitest";
import { requireTmux, startSession, until, type Session } from "./fixtures/view/tmux.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
// tsx as a loader of one node process: the tsx CLI would run a second process that relays Ctrl-C
// and SIGKILLs the program when it does not acknowledge the signal within 30 ms (on a busy machine).
const TSX = [process.execPath, "--import", "tsx", "--conditions=@hybrid/source"];
const FIXTURE = fileURLToPath(new URL("./fixtures/view/live-run.ts", import.meta.url));
const BIN = join(ROOT, "packages/hybrid/src/cli/bin.ts");
const EPIC = "examples/workflows/hybrid-epic.yaml";

interface Watched {
  code: number;
  /** Every distinct screen seen while the program ran. */
  screens: string[][];
  final: string[];
  cursor: boolean;
  stateDir: string;
}

/**
 * Runs `argv(stateDir)` in a terminal of this size and keeps every distinct screen until it exits;
 * `during` may act on the session (type Ctrl-C) once it returns true. Concurrent tests register
 * their cleanup on their own context.
 */
async function watch(context: TestContext, columns: number, rows: number, argv: (stateDir: string) => string[], during?: (session: Session, screen: string[]) => boolean) {
  const stateDir = mkdtempSync(join(tmpdir(), "hybrid-view-state-"));
  const session = startSession(argv(stateDir), { columns, rows, cwd: ROOT });
  context.onTestFinished(() => {
    session.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });
  const screens: string[][] = [];
  let acted = during === undefined;
  const code = await until("the program to exit", () => {
    const screen = session.screen();
    if (screen.join("\n") !== screens.at(-1)?.join("\n")) screens.push(screen);
    if (!acted) acted = during!(session, screen);
    return session.exitCode();
  });
  // The exit file can come before tmux has read the program's last output from the pty: the final
  // screen is the one that stopped changing.
  let stable = 0;
  let final = session.screen();
  await until("the screen to settle", () => {
    const now = session.screen();
    stable = now.join("\n") === final.join("\n") ? stable + 1 : 0;
    final = now;
    return stable >= 5 ? true : undefined;
  });
  return { code, screens, final, cursor: session.cursorVisible(), stateDir } satisfies Watched;
}

const titles = (screen: string[]) => screen.filter((line) => line.startsWith("hybrid run "));
const frames = (screens: string[][]) => screens.filter((screen) => titles(screen).length > 0);
const field = (screen: string[], pattern: RegExp) => screen.join("\n").match(pattern)?.[1];

/** It drew, it updated (elapsed and done count moved), and no capture ever held two frames. */
function expectLive({ screens }: Watched) {
  const drawn = frames(screens);
  expect(drawn.length).toBeGreaterThan(3);
  expect(new Set(drawn.map((screen) => field(screen, /elapsed (\S+)/))).size).toBeGreaterThan(2);
  expect(new Set(drawn.map((screen) => field(screen, /done (\d+)\/17/))).size).toBeGreaterThan(2);
  for (const screen of drawn) expect(titles(screen), screen.join("\n")).toHaveLength(1);
}

// Concurrent: most of each test is tsx starting the orchestrator, which overlaps well.
describe.concurrent("the live view under a pseudo-terminal", () => {
  it("needs tmux (installed by .ci/run), and says so rather than skipping", () => {
    expect(() => requireTmux()).not.toThrow();
  });

  it("draws, updates in place while the run goes on, and leaves the last frame and the summary", async (context) => {
    // Kill switch after wave 2: the frame must show the switch to sequential.
    const watched = await watch(context, 100, 30, (dir) => [...TSX, FIXTURE, dir, "0.01", "1"]);
    expect(watched.code).toBe(0);
    expectLive(watched);
    // While it runs, nodes are listed with their own elapsed time.
    expect(frames(watched.screens).some((screen) => screen.some((line) => /^ +\d+\.\ds {2}[a-z-]+ +[a-z-]+$/.test(line)))).toBe(true);
    // The final screen: the last frame once, then the summary, then nothing.
    expect(watched.final).toEqual([
      "hybrid run hybrid-epic-7 · view-pty",
      expect.stringMatching(/^wave 8\/8 · running 0 · elapsed \d+\.\ds · succeeded$/),
      expect.stringMatching(/^done 17\/17 · failed 0 · blocked 0 · tokens [\d.]+k in \/ [\d.]+k out$/),
      "strategy hybrid → sequential after wave 2 (kill-switch)",
      "run view-pty: hybrid succeeded",
      `next: hybrid report --state-dir ${watched.stateDir}`,
    ]);
    expect(watched.cursor).toBe(true);
  });

  it("`hybrid run` in a small terminal: lines cut to its width, the frame within its height, one frame at the end", async (context) => {
    const watched = await watch(context, 48, 12, (dir) => [...TSX, BIN, "run", EPIC, "--runner", "simulated", "--mode", "hybrid", "--time-scale", "0.01", "--state-dir", dir, "--run-id", "pty-cli"]);
    expect(watched.code).toBe(0);
    expectLive(watched);
    // The summary is plain text the terminal may wrap; the frame itself never wraps.
    const running = frames(watched.screens).filter((screen) => !screen.some((line) => line.startsWith("run pty-cli")));
    for (const screen of [...running, watched.final.slice(0, 4)]) {
      expect(screen.length).toBeLessThanOrEqual(12);
      for (const line of screen) expect([...line].length, line).toBeLessThan(48);
    }
    expect(watched.final.slice(0, 4)).toEqual([
      "hybrid run hybrid-epic-7 · pty-cli",
      expect.stringMatching(/^wave 8\/8 · running 0 · elapsed \d+\.\ds · succeeded$/),
      expect.stringMatching(/^done 17\/17 · failed 0 · blocked 0 · t.*…$/),
      "strategy hybrid (hybrid; parallel, memory)",
    ]);
    expect(titles(watched.final)).toHaveLength(1);
    expect(watched.final[4]).toMatch(/^run pty-cli succeeded in hybrid mode/);
    expect(watched.cursor).toBe(true);
  });

  it("`hybrid run` interrupted by Ctrl-C: the warning above one last frame, the resume command below, exit 130", async (context) => {
    let typed = false;
    const watched = await watch(
      context,
      120,
      30,
      (dir) => [...TSX, BIN, "run", EPIC, "--runner", "simulated", "--mode", "hybrid", "--time-scale", "0.05", "--state-dir", dir, "--run-id", "pty-int"],
      (session, screen) => {
        if (!/done [1-9]\d*\/17/.test(screen.join("\n"))) return false;
        session.sendKeys("C-c");
        return (typed = true);
      },
    );
    expect(typed).toBe(true);
    expect(watched.code).toBe(130);
    const { final } = watched;
    expect(titles(final)).toHaveLength(1);
    const title = final.indexOf("hybrid run hybrid-epic-7 · pty-int");
    // Written to stderr while the frame was on stdout, the warning stayed above the frame.
    expect(final.slice(0, title).some((line) => line.startsWith("SIGINT: stopping run pty-int"))).toBe(true);
    expect(final[title + 1], final.join("\n")).toMatch(/^wave \d\/8 · running 0 · elapsed \d+\.\ds · aborted$/);
    expect(final[title + 2]).toMatch(/^done \d+\/17 · failed 0 · blocked 0 · tokens /);
    expect(final.at(-1), final.join("\n")).toMatch(/^ {2}hybrid resume pty-int --state-dir /);
    expect(watched.cursor).toBe(true);
  });
});
