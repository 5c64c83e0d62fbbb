// IN PROGRESS: replaced by the real suite this session.
import type { Suite } from "../contract.js";

export const compatibilitySuite: Suite = {
  name: "compatibility",
  categories: ["compatibility"],
  async run() {
    throw new Error("not measured yet");
  },
};
