// IN PROGRESS: replaced by the real suite this session.
import type { Suite } from "../contract.js";

export const performanceSuite: Suite = {
  name: "performance",
  categories: ["performance","token-efficiency"],
  async run() {
    throw new Error("not measured yet");
  },
};
