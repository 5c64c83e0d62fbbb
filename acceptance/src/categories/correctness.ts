// IN PROGRESS: replaced by the real suite this session.
import type { Suite } from "../contract.js";

export const correctnessSuite: Suite = {
  name: "correctness",
  categories: ["correctness"],
  async run() {
    throw new Error("not measured yet");
  },
};
