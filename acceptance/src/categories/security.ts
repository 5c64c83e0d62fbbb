// IN PROGRESS: replaced by the real suite this session.
import type { Suite } from "../contract.js";

export const securitySuite: Suite = {
  name: "security",
  categories: ["security"],
  async run() {
    throw new Error("not measured yet");
  },
};
