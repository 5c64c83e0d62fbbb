// Recall against independent sources: secretlint's recommended preset as a running oracle,
// gitleaks' default rule list as a checklist, and a corpus of secrets as they reach prompts.
import { lintSource } from "@secretlint/core";
import { creator as recommended, rules as recommendedRules } from "@secretlint/secretlint-rule-preset-recommend";
import { describe, expect, it } from "vitest";
import { redactSecrets } from "../src/index.js";
import { contextSamples } from "./context-corpus.js";
import { GITLEAKS_RULE_IDS, realisticItems } from "./realistic-corpus.js";
import { generators, seeded, type Sample } from "./secret-corpus.js";

const SEED = 7_331;
const corpus = contextSamples(seeded(SEED));
const samples: Sample[] = [...generators(seeded(SEED + 1)).tokens(), ...corpus.keyed(), ...corpus.structural(), ...corpus.pii()];

async function secretlint(content: string, ext: string): Promise<string[]> {
  const result = await lintSource({
    source: { filePath: `/virtual/context${ext}`, content, ext, contentType: "text" },
    options: {
      config: { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommended }] },
      noPhysicFilePath: true,
    },
  });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

// The service-account sample is a JSON file; secretlint only reads that format as JSON.
const extOf = (sample: Sample) => (sample.text.startsWith("{") ? ".json" : ".md");

describe("secretlint's recommended preset as an oracle", () => {
  it("finds nothing in our output that it finds in the input", async () => {
    let flagged = 0;
    for (const sample of samples) {
      const before = await secretlint(sample.text, extOf(sample));
      if (before.length === 0) continue;
      flagged++;
      expect(await secretlint(redactSecrets(sample.text).text, extOf(sample)), sample.source).toEqual([]);
    }
    // The oracle must actually have fired on a good part of the corpus for this to mean anything.
    expect(flagged).toBeGreaterThanOrEqual(45);
  });

  it("finds nothing in a redacted document that mixes every sample with prose", async () => {
    const document = samples.filter((s) => extOf(s) === ".md").map((s) => s.text).join("\n\nSome prose between findings.\n\n");
    expect((await secretlint(document, ".md")).length).toBeGreaterThanOrEqual(45);
    expect(await secretlint(redactSecrets(document).text, ".md")).toEqual([]);
  });

  it("has a sample for every scanning rule of the preset", () => {
    const covered: Record<string, string> = {
      aws: "secretlint:aws",
      gcp: "secretlint:gcp",
      privatekey: "gitleaks:private-key",
      npm: "secretlint:npm",
      basicauth: "secretlint:basicauth",
      slack: "gitleaks:slack",
      sendgrid: "gitleaks:sendgrid",
      shopify: "gitleaks:shopify",
      github: "gitleaks:github",
      gitlab: "gitleaks:gitlab",
      grafana: "gitleaks:grafana",
      openai: "gitleaks:openai",
      anthropic: "gitleaks:anthropic",
      groq: "secretlint:groq",
      huggingface: "gitleaks:huggingface",
      linear: "gitleaks:linear",
      notion: "gitleaks:notion",
      "1password": "gitleaks:1password",
      "database-connection-string": "secretlint:database-connection-string",
      "hashicorp-vault": "gitleaks:vault",
      vercel: "secretlint:vercel",
      databricks: "gitleaks:databricks",
      docker: "secretlint:docker",
      figma: "secretlint:figma",
    };
    const ids = recommendedRules.map((rule) => rule.meta.id.replace("@secretlint/secretlint-rule-", "")).filter((id) => id !== "filter-comments");
    expect(ids.length).toBe(24);
    for (const id of ids) {
      expect(covered[id], id).toBeDefined();
      expect(samples.some((s) => s.source.startsWith(covered[id]!)), id).toBe(true);
    }
  });
});

describe("gitleaks' default rules as a checklist", () => {
  it("has a redacted sample for every rule that scans text", () => {
    // pkcs12-file matches file names, not content.
    const missing = GITLEAKS_RULE_IDS.filter((id) => id !== "pkcs12-file").filter(
      (id) => !samples.some((s) => s.source === `gitleaks:${id}` || s.source.startsWith(`gitleaks:${id} `)),
    );
    expect(missing).toEqual([]);
    expect(GITLEAKS_RULE_IDS.length).toBeGreaterThanOrEqual(200);
    for (const sample of samples.filter((s) => s.source.startsWith("gitleaks:"))) {
      expect(redactSecrets(sample.text).text, sample.source).not.toContain(sample.secret);
    }
  });
});

describe("realistic items", () => {
  it("redacts every secret of every item, with no 12-character piece of it left", () => {
    const items = realisticItems(seeded(SEED + 2));
    expect(items.length).toBeGreaterThanOrEqual(60);
    const leaks: string[] = [];
    for (const { text, secrets } of items) {
      const out = redactSecrets(text).text;
      for (const secret of secrets) {
        for (let i = 0; i + 12 <= secret.length; i += 4) {
          if (out.includes(secret.slice(i, i + 12))) {
            leaks.push(`${text.slice(0, 60)} → ${out.slice(0, 80)}`);
            break;
          }
        }
        if (secret.length < 12 && out.includes(secret)) leaks.push(`${text.slice(0, 60)} → ${out.slice(0, 80)}`);
      }
    }
    expect(leaks).toEqual([]);
  });
});
