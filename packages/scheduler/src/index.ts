export {
  InvalidScheduleOptionsError,
  SchedulerStateError,
  isInvalidScheduleOptionsError,
  isSchedulerStateError,
} from "./errors.js";
export { PriorityCapsSchema, ScheduleOptionsSchema } from "./options.js";
export { planSchedule } from "./plan-schedule.js";
export { SimulateOptionsSchema, simulate } from "./simulate.js";
export { WaveScheduler } from "./wave-scheduler.js";

export type { OptionProblem } from "./errors.js";
export type { PriorityCaps, ScheduleConfig, ScheduleOptions } from "./options.js";
export type { PlannedNode, SchedulePlan } from "./plan-schedule.js";
export type { SimulateOptions, SimulationResult } from "./simulate.js";
export type {
  NodeStatus,
  SchedulerMode,
  SchedulerSnapshot,
  SchedulerTransition,
  WaveSchedulerOptions,
} from "./scheduler-state.js";
