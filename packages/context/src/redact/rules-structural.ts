/**
 * Secrets recognised by their surroundings rather than a prefix: PEM private keys, JWTs,
 * credentials in URLs, `Authorization` headers, `curl -u`, AWS secret and session keys, signed-URL
 * signatures. PEM blocks and `curl -u` are scanned procedurally so that unterminated blocks and
 * long commands stay linear.
 */
import { entropy, isPlaceholder } from "./classify.js";
import { regexDetectors, type Detector, type RegexRule } from "./detector.js";

const PEM_BEGIN = /-----BEGIN[ A-Z0-9_-]{0,60}PRIVATE KEY(?: BLOCK)?-----/gi;
const PEM_END = /-----END[ A-Z0-9_-]{0,60}PRIVATE KEY(?: BLOCK)?-----/iy;

function isBase64(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 43 || code === 47 || code === 61;
}

function isPemBodyChar(code: number): boolean {
  // Base64, whitespace, `\` of JSON-escaped newlines, and the `Proc-Type:`/`DEK-Info:` header lines.
  return (
    (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) ||
    code === 43 || code === 47 || code === 61 || code === 32 || code === 9 || code === 10 || code === 13 ||
    code === 92 || code === 58 || code === 44 || code === 46 || code === 45
  );
}

/**
 * A PEM private key from `-----BEGIN` through `-----END`, of any size. An unterminated block is
 * redacted through the end of its base64 body. The body scan stops at the next `-----`, so the scans
 * of successive headers never overlap: linear even on a megabyte of repeated headers.
 */
const privateKeys: Detector = {
  kinds: ["private-key"],
  keywords: ["-----begin"],
  find(text, out) {
    PEM_BEGIN.lastIndex = 0;
    for (let header = PEM_BEGIN.exec(text); header !== null; header = PEM_BEGIN.exec(text)) {
      let i = PEM_BEGIN.lastIndex;
      let base64 = 0;
      while (i < text.length) {
        const code = text.charCodeAt(i);
        if (!isPemBodyChar(code) || (code === 45 && text.startsWith("-----", i))) break;
        if (code !== 32 && code !== 10 && code !== 13 && code !== 9) base64++;
        i++;
      }
      PEM_END.lastIndex = i;
      const terminated = PEM_END.test(text);
      if (base64 < (terminated ? 32 : 64)) continue;
      // Unterminated: the block ends with its last run of 16+ base64 characters, so the prose
      // after a truncated key stays.
      let end = terminated ? PEM_END.lastIndex : -1;
      for (let k = PEM_BEGIN.lastIndex, run = 0; !terminated && k < i; k++) {
        run = isBase64(text.charCodeAt(k)) ? run + 1 : 0;
        if (run >= 16) end = k + 1;
      }
      if (end === -1) continue;
      out.push({ kind: "private-key", start: header.index, end });
      PEM_BEGIN.lastIndex = end;
    }
  },
};

/** `curl -u user:pass` / `--user`: a credential only on a command that mentions curl shortly before. */
const CURL = /\bcurl\b/gi;
const CURL_USER =
  /\s(?:-u|--user)(?:=|[ \t]{1,5})(?:"([^"\s]{1,256}:[^"\n]{3,256})"|'([^'\s]{1,256}:[^'\n]{3,256})'|([A-Za-z0-9_@.+-]{1,256}:[^\s'"\x60]{3,256}))(?=\s|$)/g;
const CURL_PLACEHOLDER = /^[^:]*:(?:change(?:it|me)|pass(?:word)?|pwd|test|token|\*+|x+)$|\$|<[^>]*>|^\d+:\d+$/i;

const curlUser: Detector = {
  kinds: ["curl-credentials"],
  keywords: ["curl"],
  find(text, out) {
    const curls: number[] = [];
    CURL.lastIndex = 0;
    for (let m = CURL.exec(text); m !== null; m = CURL.exec(text)) curls.push(m.index);
    let k = 0;
    CURL_USER.lastIndex = 0;
    for (let m = CURL_USER.exec(text); m !== null; m = CURL_USER.exec(text)) {
      // The nearest curl before this flag, found by a pointer that only moves forward.
      while (k + 1 < curls.length && curls[k + 1]! < m.index) k++;
      if (curls[k] === undefined || curls[k]! > m.index || m.index - curls[k]! > 2000) continue;
      const credential = m[1] ?? m[2] ?? m[3]!;
      if (CURL_PLACEHOLDER.test(credential) || isPlaceholder(credential.slice(credential.indexOf(":") + 1))) continue;
      const start = m.index + m[0].indexOf(credential);
      out.push({ kind: "curl-credentials", start, end: start + credential.length });
    }
  },
};

/**
 * Values under `data:` / `stringData:` in a Kubernetes `kind: Secret` manifest (base64 or plain),
 * as gitleaks' kubernetes-secret-yaml rule. Each YAML document is read once, however many
 * `kind: Secret` lines it holds.
 */
const K8S_KIND = /^[ \t]*kind:[ \t]*["']?Secret["']?[ \t]*$/gm;
const K8S_ENTRY = /^([ \t]+)[\w.-]+:[ \t]*(?:["']([^"'\n]+)["']|([^\s#][^\n]*?))[ \t]*$/;

const kubernetesSecrets: Detector = {
  kinds: ["kubernetes-secret"],
  keywords: ["kind:"],
  find(text, out) {
    let done = -1;
    K8S_KIND.lastIndex = 0;
    for (let m = K8S_KIND.exec(text); m !== null; m = K8S_KIND.exec(text)) {
      if (m.index < done) continue;
      const before = text.lastIndexOf("\n---", m.index);
      const after = text.indexOf("\n---", m.index);
      const docStart = before === -1 ? 0 : before + 4;
      done = after === -1 ? text.length : after;
      let blockIndent = -1;
      let lineStart = docStart;
      while (lineStart < done) {
        let lineEnd = text.indexOf("\n", lineStart);
        if (lineEnd === -1 || lineEnd > done) lineEnd = done;
        const line = text.slice(lineStart, lineEnd);
        const indent = line.length - line.trimStart().length;
        if (/^[ \t]*(?:data|stringData):[ \t]*$/.test(line)) blockIndent = indent;
        else if (line.trim() !== "" && indent <= blockIndent) blockIndent = -1;
        else if (blockIndent >= 0) {
          const entry = K8S_ENTRY.exec(line);
          const value = entry?.[2] ?? entry?.[3];
          if (value !== undefined && !isPlaceholder(value)) {
            const start = lineStart + line.lastIndexOf(value);
            out.push({ kind: "kubernetes-secret", start, end: start + value.length });
          }
        }
        lineStart = lineEnd + 1;
      }
      K8S_KIND.lastIndex = Math.max(K8S_KIND.lastIndex, done);
    }
  },
};

function decodesToJwt(encoded: string): boolean {
  return /^eyJ[A-Za-z0-9_-]+\.eyJ/.test(Buffer.from(encoded.slice(0, 200), "base64").toString("latin1"));
}

const notPlaceholder = (secret: string) => !isPlaceholder(secret);

const STRUCTURAL_RULES: readonly RegexRule[] = [
  {
    kind: "aws-secret-access-key",
    keywords: ["secret_access_key", "secretaccesskey", "secret-access-key"],
    pattern: /secret[_-]?access[_-]?key["']?[ \t]{0,4}(?::|=|=>)[ \t]{0,4}["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    group: 1,
    accept: (secret) => entropy(secret) >= 3.5,
  },
  {
    kind: "aws-session-token",
    keywords: ["session_token", "sessiontoken", "security_token", "securitytoken", "security-token"],
    pattern: /(?:session|security)[_-]?token["']?[ \t]{0,4}(?::|=|=>)[ \t]{0,4}["']?([A-Za-z0-9/+]{100,}={0,2})(?![A-Za-z0-9/+=])/gi,
    group: 1,
  },
  {
    kind: "aws-account-id",
    keywords: ["account_id", "accountid"],
    pattern: /aws_?account_?id["']?[ \t]{0,4}[:=][ \t]{0,4}["']?([0-9]{4}-?[0-9]{4}-?[0-9]{4})\b/gi,
    group: 1,
  },
  {
    kind: "azure-storage-key",
    keywords: ["sharedaccesskey="],
    pattern: /SharedAccessKey=([A-Za-z0-9+/]{40,}={0,2})(?![A-Za-z0-9+/=])/gi,
    group: 1,
  },
  {
    kind: "azure-sas-signature",
    keywords: ["sig="],
    pattern: /[?&;]sig=([A-Za-z0-9%+/]{30,}(?:=|%3D){0,2})(?![A-Za-z0-9%+/=])/gi,
    group: 1,
  },
  {
    kind: "url-signature",
    keywords: ["-signature="],
    pattern: /[?&]X-(?:Amz|Goog)-Signature=([0-9a-f]{64,})(?![0-9a-f])/gi,
    group: 1,
  },
  {
    kind: "npm-token",
    keywords: ["_authtoken="],
    pattern: /_authToken=([^\s$'"{<][^\s'"]{7,})/g,
    group: 1,
    accept: notPlaceholder,
  },
  {
    kind: "generic-secret",
    keywords: ["<add"],
    pattern: /<add[ \t]+key=["'](?:ClearText)?Password["'][ \t]+value=["']([^"'\n]{1,256})["']/gi,
    group: 1,
    accept: notPlaceholder,
  },
  {
    kind: "jwt",
    keywords: ["eyJ"],
    pattern: /eyJ(?<=(?<![A-Za-z0-9_-])eyJ)[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]+)*/g,
  },
  {
    kind: "jwt",
    keywords: ["ZXlK"],
    pattern: /ZXlK(?<=(?<![A-Za-z0-9+/])ZXlK)[A-Za-z0-9+/]{40,}={0,2}(?![A-Za-z0-9+/=])/g,
    accept: decodesToJwt,
  },
  {
    // `scheme://user:password@` including the `@`, so no tool reads the marker as a new password.
    kind: "url-credentials",
    keywords: ["://"],
    pattern: /:\/\/([^\s:/@?#]{1,256}:[^\s/@?#]{1,1024}@)/g,
    group: 1,
    accept: (credentials) => !isPlaceholder(credentials.slice(credentials.indexOf(":") + 1, -1)),
  },
  {
    kind: "authorization-header",
    keywords: ["authorization"],
    pattern: /authorization["']?[ \t]{0,4}[:=][ \t]{0,4}["']?(?:bearer|basic|token|digest|apikey|sso-key)[ \t]{1,4}([A-Za-z0-9._~+/=:-]{8,})/gi,
    group: 1,
    // A word is a header name or prose (`Bearer Authorization:`), not a credential.
    accept: (secret) => notPlaceholder(secret) && !/^[A-Za-z]+:?$/.test(secret),
  },
];

export function structuralDetectors(): Detector[] {
  return [privateKeys, curlUser, kubernetesSecrets, ...regexDetectors(STRUCTURAL_RULES)];
}
