// IN PROGRESS: replaced by the real suite this session.
import type { Suite } from "../contract.js";

export const reliabilitySuite: Suite = {
  name: "reliability",
  categories: ["reliability"],
  async run() {
    throw new Error("not measured yet");
  },
};
