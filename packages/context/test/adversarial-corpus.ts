// Inputs built to make a backtracking rule blow up: each repeats what one rule looks for (its
// keyword, separator, alphabet or terminator) so that every position starts a match attempt that
// fails late. Shared by redact-linear tests and bench/redaction.bench.ts.
import { ALNUM, B64, generators } from "./secret-corpus.js";

export interface AdversarialInput {
  name: string;
  text: string;
}

function fill(unit: string, size: number): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

/** About 30 inputs of exactly `size` characters each; the same seed gives the same text. */
export function adversarialInputs(size: number, random: () => number): AdversarialInput[] {
  const { pick } = generators(random);
  const digits = (n: number) => pick("0123456789", n);
  const units: [string, string][] = [
    ["`token.` repeated (the issue's 1.6 s at 6 KB)", "token."],
    ["dotted config keys", "app.auth.token.secret.key.password."],
    ["`token=` repeated", "token="],
    ["`password: ` repeated", "password: "],
    ['`"apiKey": "` repeated', '"apiKey": "'],
    ["`--token ` repeated", "--token "],
    ["near-miss emails `a@a@a@`", "a@"],
    ["`@` only", "@"],
    ["`a.` then one `@`", "a."],
    ["`xoxb-` repeated", "xoxb-"],
    ["`xoxb-1` repeated", "xoxb-1"],
    ["unterminated PEM headers", "-----BEGIN RSA PRIVATE KEY-----"],
    ["`=` only", "="],
    ["digits only", "1"],
    ["digits and spaces", "1 "],
    ["`+1` repeated", "+1"],
    ["dense phone numbers", "415-555-2671 "],
    ["dense card numbers", "4111 1111 1111 1111 "],
    ["`://` repeated", "://"],
    ["`eyJ` repeated", "eyJ"],
    ["`eyJa.` repeated", "eyJa."],
    ["`curl -u a:bbb` repeated", "curl -u a:bbb "],
    ["`sk-` repeated", "sk-"],
    ["`Authorization: Bearer ` repeated", "Authorization: Bearer "],
    ["`kind: Secret` manifests", "kind: Secret\ndata:\n  k: dmFsdWU=\n"],
    ["`ssn ` repeated", "ssn "],
    ["`DE89` repeated", "DE89"],
    ["whitespace", " \t\n"],
  ];
  const inputs = units.map(([name, unit]) => ({ name, text: fill(unit, size) }));
  const base64 = pick(B64, size);
  const alnum = pick(ALNUM, size);
  inputs.push(
    { name: "PEM header, then base64 without END", text: `-----BEGIN PRIVATE KEY-----\n${base64}`.slice(0, size) },
    { name: "long base64 without terminator", text: base64 },
    { name: "`ghp_` then one long alphanumeric run", text: `ghp_${alnum}`.slice(0, size) },
    { name: "`api_key=` then one long alphanumeric run", text: `api_key=${alnum}`.slice(0, size) },
    { name: "`https://u:` then a long password without `@`", text: `https://u:${alnum}`.slice(0, size) },
    { name: "long local part then `@`", text: `${"a".repeat(size - 6)}@x.com` },
    {
      name: "dense distinct phone numbers",
      text: Array.from({ length: Math.ceil(size / 13) }, () => `${pick(["212", "415", "646", "720"], 1)}-${pick("23456789", 1)}${digits(2)}-${digits(4)}`).join(" ").slice(0, size),
    },
  );
  return inputs;
}

/** CPU milliseconds this process spent in `fn` (not wall time: other processes share the cores). */
export function cpuMs(fn: () => unknown): number {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}
