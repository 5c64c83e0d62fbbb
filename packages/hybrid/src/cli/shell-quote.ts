// Quoting for commands the CLI prints for people to paste (`hybrid resume …`, `hybrid run …`).

const SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;

/** One argument as a POSIX shell reads it back unchanged: bare when safe, else single-quoted. */
export function shellQuote(arg: string): string {
  if (SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
