// IN PROGRESS: replaced by the real suite this session.
import type { Suite } from "../contract.js";

export const recoverySuite: Suite = {
  name: "recovery",
  categories: ["recovery"],
  async run() {
    throw new Error("not measured yet");
  },
};
