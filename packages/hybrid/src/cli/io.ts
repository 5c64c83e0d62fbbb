// Where a command writes. With `--json`, stdout carries exactly one JSON document and everything a
// person reads goes to stderr; without it, the command's output goes to stdout and warnings and
// errors to stderr. Writes are awaited so that an exit right after them loses nothing of a pipe.

/** A stream a command writes to. */
export type OutStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** The streams of one command, chosen by `--json`. */
export interface Io {
  readonly json: boolean;
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  /** The stream for people: stderr with `--json`, else stdout. */
  readonly human: OutStream;
  /** A line for people (progress, summaries). */
  say(line: string): void;
  /** A line on stderr, whatever the mode (warnings, errors). */
  warn(line: string): void;
  /** The command's result: `document` as one JSON document with `--json`, else `text` for people. */
  result(document: unknown, text: string | undefined): Promise<void>;
}

/** Writes `text` and resolves once the stream has taken it. */
export function write(stream: OutStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (text === "") {
      resolve();
      return;
    }
    // A closed pipe (`hybrid plan | head`) is not our failure: resolve either way.
    const done = (): void => resolve();
    if (!stream.write(text, done)) stream.once("drain", done);
  });
}

const line = (text: string): string => (text.endsWith("\n") ? text : `${text}\n`);

/** The streams of a command run with or without `--json`. */
export function createIo(json: boolean, stdout: OutStream = process.stdout, stderr: OutStream = process.stderr): Io {
  const human = json ? stderr : stdout;
  let emitted = false;
  return {
    json,
    stdout,
    stderr,
    human,
    say: (text) => void human.write(line(text)),
    warn: (text) => void stderr.write(line(text)),
    async result(document, text) {
      if (json) {
        // Exactly one document: a second call is a bug of ours, never two documents on stdout.
        if (emitted) throw new Error("[hybrid] internal: a second JSON document");
        emitted = true;
        await write(stdout, `${JSON.stringify(document, null, 2)}\n`);
      } else if (text !== undefined) {
        await write(stdout, line(text));
      }
    },
  };
}
