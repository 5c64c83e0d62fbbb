// The planted corpus: secrets and personal data in their providers' real formats, generated at run
// time from a seed (nothing secret-looking is committed), with valid checksums where a format has
// one (Luhn, IBAN mod 97). Each value carries the distinctive parts a verbatim leak would show.
import { seededRandom } from "@hybrid/test-utils";

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = "0123456789abcdef";
const B64 = `${ALNUM}+/`;
const B64URL = `${ALNUM}-_`;

/** One planted value. */
export interface Planted {
  /** The kind, e.g. "aws-access-key-id"; "pii:" kinds are personal data. */
  kind: string;
  /** The text as written into a source: usually a line, sometimes several (PEM). */
  text: string;
  /** Substrings that must never appear verbatim anywhere (the secret, or its random core). */
  cores: string[];
}

/** A kind's generator: the line it is written in, and its cores. */
type Make = (g: Gen) => { text: string; cores: string[] };

export interface Gen {
  pick(alphabet: string, n: number): string;
  /** n characters of `alphabet` starting upper, digit, lower: real keys mix classes. */
  mixed(n: number, alphabet?: string): string;
  int(lo: number, hi: number): number;
}

export function generator(random: () => number): Gen {
  const pick = (alphabet: string, n: number) => {
    let out = "";
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(random() * alphabet.length)];
    return out;
  };
  return {
    pick,
    mixed: (n, alphabet = ALNUM) => `${pick(UPPER, 1)}${pick(DIGITS, 1)}${pick(LOWER, 1)}${pick(alphabet, n - 3)}`,
    int: (lo, hi) => lo + Math.floor(random() * (hi - lo + 1)),
  };
}

/** True when the digits pass the Luhn check. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let v = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    sum += v;
  }
  return sum % 10 === 0;
}

/** The Luhn check digit that completes `body`: exactly one of 0–9 does. */
export function luhnDigit(body: string): number {
  return [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].find((d) => luhnValid(`${body}${d}`))!;
}

/** ISO 13616 mod-97 remainder of an IBAN (1 when valid). */
export function ibanRemainder(iban: string): number {
  const moved = `${iban.slice(4)}${iban.slice(0, 4)}`.toUpperCase();
  let rest = 0;
  for (const ch of moved) {
    const v = ch >= "A" && ch <= "Z" ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest;
}

function germanIban(g: Gen): string {
  const bban = g.pick(DIGITS, 18);
  const check = 98 - ibanRemainder(`DE00${bban}`);
  return `DE${String(check).padStart(2, "0")}${bban}`;
}

const b64url = (value: string) => Buffer.from(value).toString("base64url");
const grouped = (s: string, n = 4) => s.replace(new RegExp(`(.{${n}})(?=.)`, "g"), "$1 ");

/** Every kind, in report order. Secrets first, then personal data ("pii:"). */
export const KINDS: ReadonlyArray<readonly [string, Make]> = [
  ["aws-access-key-id", (g) => { const v = `AKIA${g.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}`; return { text: `AWS_ACCESS_KEY_ID=${v}`, cores: [v] }; }],
  ["aws-secret-access-key", (g) => { const v = g.mixed(40, `${ALNUM}/+`); return { text: `aws_secret_access_key = ${v}`, cores: [v] }; }],
  ["github-pat-classic", (g) => { const v = `ghp_${g.mixed(36)}`; return { text: `the deploy token is ${v}`, cores: [v] }; }],
  ["github-pat-fine-grained", (g) => { const v = `github_pat_${g.mixed(22)}_${g.mixed(59)}`; return { text: `GH_TOKEN=${v}`, cores: [v] }; }],
  ["github-app-token", (g) => { const v = `ghs_${g.mixed(36)}`; return { text: `installation token ${v} expires in an hour`, cores: [v] }; }],
  ["gitlab-pat", (g) => { const v = `glpat-${g.mixed(20)}`; return { text: `gitlab token: ${v}`, cores: [v] }; }],
  ["slack-bot-token", (g) => { const v = `xoxb-${g.pick(DIGITS, 11)}-${g.pick(DIGITS, 12)}-${g.mixed(24)}`; return { text: `SLACK_BOT_TOKEN=${v}`, cores: [v] }; }],
  ["slack-webhook", (g) => { const tail = g.mixed(24); return { text: `alerts go to https://hooks.slack.com/services/T${g.pick(UPPER, 8)}/B${g.pick(UPPER, 8)}/${tail}`, cores: [tail] }; }],
  ["stripe-secret-key", (g) => { const v = `sk_live_${g.mixed(24)}`; return { text: `stripe key ${v}`, cores: [v] }; }],
  ["openai-api-key", (g) => { const v = `sk-proj-${g.mixed(74, B64URL)}T3BlbkFJ${g.mixed(74, B64URL)}`; return { text: `OPENAI_API_KEY=${v}`, cores: [v] }; }],
  ["anthropic-api-key", (g) => { const v = `sk-ant-api03-${g.mixed(93, B64URL)}AA`; return { text: `ANTHROPIC_API_KEY=${v}`, cores: [v] }; }],
  ["google-api-key", (g) => { const v = `AIza${g.mixed(35, B64URL)}`; return { text: `maps key ${v}`, cores: [v] }; }],
  ["npm-token", (g) => { const v = `npm_${g.mixed(36)}`; return { text: `//registry.npmjs.org/:_authToken=${v}`, cores: [v] }; }],
  ["private-key-pem", (g) => {
    const lines = [`MII${g.pick(B64, 61)}`, ...Array.from({ length: 6 }, () => g.pick(B64, 64)), `${g.pick(B64, 40)}==`];
    return { text: `-----BEGIN RSA PRIVATE KEY-----\n${lines.join("\n")}\n-----END RSA PRIVATE KEY-----`, cores: lines.slice(1, 4).map((l) => l.slice(8, 56)) };
  }],
  ["jwt", (g) => {
    const payload = b64url(JSON.stringify({ sub: g.pick(DIGITS, 10), name: g.pick(LOWER, 9), iat: g.int(1_600_000_000, 1_700_000_000) }));
    const sig = g.mixed(43, B64URL);
    return { text: `Authorization: Bearer ${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${payload}.${sig}`, cores: [sig, payload] };
  }],
  ["basic-auth-url", (g) => { const pw = g.mixed(18); return { text: `mirror at https://deploy:${pw}@artifacts.acme-corp.io/releases`, cores: [pw] }; }],
  ["azure-storage-key", (g) => { const v = `${g.mixed(86, B64)}==`; return { text: `DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey=${v};EndpointSuffix=core.windows.net`, cores: [v.slice(0, 48)] }; }],
  ["twilio-api-key", (g) => { const v = `SK${g.pick("abcdef", 1)}${g.pick(DIGITS, 1)}${g.pick(HEX, 30)}`; return { text: `twilio api key ${v}`, cores: [v] }; }],
  ["sendgrid-api-key", (g) => { const v = `SG.${g.mixed(22, B64URL)}.${g.mixed(43, B64URL)}`; return { text: `SENDGRID_API_KEY=${v}`, cores: [v] }; }],
  ["postgres-url", (g) => { const pw = g.mixed(20); return { text: `DATABASE_URL=postgres://orders:${pw}@db.internal.acme-corp.io:5432/orders`, cores: [pw] }; }],
  ["mongodb-url", (g) => { const pw = g.mixed(20); return { text: `mongo: mongodb+srv://admin:${pw}@cluster0.${g.pick(LOWER + DIGITS, 5)}.mongodb.net/app`, cores: [pw] }; }],
  ["password-assignment", (g) => { const pw = `${g.mixed(14)}!${g.pick(DIGITS, 2)}`; return { text: `DB_PASSWORD=${pw}`, cores: [pw] }; }],
  ["shopify-token", (g) => { const v = `shpat_${g.pick("abcdef", 1)}${g.pick(DIGITS, 1)}${g.pick(HEX, 30)}`; return { text: `shopify admin token ${v}`, cores: [v] }; }],
  ["huggingface-token", (g) => { const v = `hf_${g.pick(UPPER, 17)}${g.pick(LOWER, 17)}`; return { text: `HF_TOKEN=${v}`, cores: [v] }; }],
  ["pii:email", (g) => { const v = `${g.pick(LOWER, 7)}.${g.pick(LOWER, 6)}${g.pick(DIGITS, 2)}@gmail.com`; return { text: `contact ${v} for access`, cores: [v] }; }],
  ["pii:phone-us", (g) => {
    const v = `+1 ${["212", "415", "312", "617", "206"][g.int(0, 4)]} ${g.int(2, 9)}${g.pick(DIGITS, 2)} ${g.pick(DIGITS, 4)}`;
    return { text: `on-call phone ${v}`, cores: [v, v.replace(/\D/g, "")] };
  }],
  ["pii:phone-uk", (g) => { const v = `+44 7${g.int(4, 9)}${g.pick(DIGITS, 2)} ${g.pick(DIGITS, 6)}`; return { text: `mobile ${v}`, cores: [v, v.replace(/\D/g, "")] }; }],
  ["pii:phone-de", (g) => { const v = `+49 151 ${g.int(1, 9)}${g.pick(DIGITS, 7)}`; return { text: `Handy ${v}`, cores: [v, v.replace(/\D/g, "")] }; }],
  ["pii:phone-fr", (g) => { const v = `+33 6 ${Array.from({ length: 4 }, () => g.pick(DIGITS, 2)).join(" ")}`; return { text: `portable ${v}`, cores: [v, v.replace(/\D/g, "")] }; }],
  ["pii:iban", (g) => { const v = germanIban(g); return { text: `refund to IBAN ${grouped(v)}`, cores: [v, grouped(v)] }; }],
  ["pii:credit-card", (g) => {
    const body = `4${g.pick(DIGITS, 14)}`;
    const v = `${body}${luhnDigit(body)}`;
    return { text: `card ${grouped(v)} exp 08/29`, cores: [v, grouped(v)] };
  }],
  ["pii:us-ssn", (g) => { const v = `${g.int(100, 665)}-${g.int(10, 99)}-${g.int(1000, 9999)}`; return { text: `SSN ${v}`, cores: [v] }; }],
];

/** The layers a value is planted in. */
export const LAYERS = ["L1", "L2", "L3"] as const;
export type Layer = (typeof LAYERS)[number];

/** One planted value with where it goes: `tag` is a plain marker written beside it. */
export interface PlantedAt extends Planted {
  layer: Layer;
  variant: number;
  tag: string;
}

/** `variants` fresh values of every kind for every layer, from `seed`. */
export function generateCorpus(seed: number, variants: number): PlantedAt[] {
  const g = generator(seededRandom(seed));
  const out: PlantedAt[] = [];
  for (const layer of LAYERS) {
    for (let variant = 0; variant < variants; variant++) {
      KINDS.forEach(([kind, make], i) => out.push({ kind, layer, variant, tag: `sec-${layer}-${i}-${variant}`, ...make(g) }));
    }
  }
  return out;
}
