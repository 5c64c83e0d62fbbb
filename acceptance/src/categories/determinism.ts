// IN PROGRESS: replaced by the real suite this session.
import type { Suite } from "../contract.js";

export const determinismSuite: Suite = {
  name: "determinism",
  categories: ["determinism"],
  async run() {
    throw new Error("not measured yet");
  },
};
