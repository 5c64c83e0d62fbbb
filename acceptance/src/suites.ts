// Every suite, in the order they run. Observability runs last: it validates the records the others wrote.
import { compatibilitySuite } from "./categories/compatibility.js";
import { correctnessSuite } from "./categories/correctness.js";
import { determinismSuite } from "./categories/determinism.js";
import { governanceSuite } from "./categories/governance.js";
import { observabilitySuite } from "./categories/observability.js";
import { performanceSuite } from "./categories/performance.js";
import { recoverySuite } from "./categories/recovery.js";
import { reliabilitySuite } from "./categories/reliability.js";
import { securitySuite } from "./categories/security.js";
import type { Suite } from "./contract.js";

export const SUITES: readonly Suite[] = [
  correctnessSuite,
  determinismSuite,
  performanceSuite,
  reliabilitySuite,
  recoverySuite,
  securitySuite,
  governanceSuite,
  compatibilitySuite,
  observabilitySuite,
];
