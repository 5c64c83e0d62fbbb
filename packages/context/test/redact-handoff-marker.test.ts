// hybrid's handoff marker (`<!-- hybrid:handoff key=<idempotency key> run=… -->`, written by
// @hybrid/dispatch at the top of every handoff comment) is not a secret: before, a key whose hash
// part looked random enough was reported as a generic secret in every handoff comment on GitHub.
import { describe, expect, it } from "vitest";
import { redactSecrets } from "../src/index.js";

const marker = (key: string) => `<!-- hybrid:handoff key=${encodeURIComponent(key)} run=run-mx1fu5db-86aa node=api agent=backend -->`;

describe("the handoff marker", () => {
  it("is left alone, whatever its idempotency key looks like", () => {
    for (const key of ["run-mx1fu5db-86aa:api:9f2c7e41b03d5a6e", "run-1:intake:Zk3q9XvT2mLp8Rw4", "e2e-fail-1:design:0a1b2c3d4e5f6789abcdef"]) {
      expect(redactSecrets(`${marker(key)}\nhandoff text`).findings).toEqual([]);
    }
  });
  it("still finds a random value after a bare key= anywhere else", () => {
    expect(redactSecrets("key=Zk3q9XvT2mLp8Rw4nB7c").findings.map((f) => f.kind)).toEqual(["generic-secret"]);
    expect(redactSecrets("<!-- note key=Zk3q9XvT2mLp8Rw4nB7c -->").findings.map((f) => f.kind)).toEqual(["generic-secret"]);
  });
});
