// IN PROGRESS: replaced by the real suite this session.
import type { Suite } from "../contract.js";

export const governanceSuite: Suite = {
  name: "governance",
  categories: ["governance"],
  async run() {
    throw new Error("not measured yet");
  },
};
