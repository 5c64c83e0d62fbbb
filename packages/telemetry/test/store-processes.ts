// Shared by the multi-process store tests (default and slow suites): real child processes.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const NODE_ARGS = ["--conditions=@hybrid/source", "--import", "tsx"];

/** Runs a fixture script to its end; resolves with its stdout, rejects on a non-zero exit. */
export function runFixture(name: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, fixture(name), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${name} exited ${code}: ${err}`))));
  });
}

/** Starts a fixture that runs until killed; `stop()` kills it and waits for its exit. */
export function startFixture(name: string, args: string[]): { stop(): Promise<void> } {
  const child = spawn(process.execPath, [...NODE_ARGS, fixture(name), ...args], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    async stop() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

export interface ReadResult {
  lines: number;
  runIds: string[];
  bad: number;
  endsWithNewline: boolean;
}

/**
 * `writers` processes append `each` records to `<dir>/runs.jsonl` at once (with `racingReader`,
 * while another process keeps reading it); then a separate process counts what is there.
 */
export async function concurrentAppends(dir: string, writers: number, each: number, racingReader = true): Promise<ReadResult> {
  const file = `${dir}/runs.jsonl`;
  const reader = racingReader ? startFixture("read-child.ts", [file, "--loop"]) : undefined;
  try {
    await Promise.all(Array.from({ length: writers }, (_, w) => runFixture("append-child.ts", [dir, `w${w}`, String(each)])));
  } finally {
    await reader?.stop();
  }
  return JSON.parse(await runFixture("read-child.ts", [file])) as ReadResult;
}

/** The run ids `concurrentAppends` must find, each exactly once. */
export const expectedIds = (writers: number, each: number): string[] =>
  Array.from({ length: writers }, (_, w) => Array.from({ length: each }, (_, i) => `w${w}-${i}`)).flat().sort();
