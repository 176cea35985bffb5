/**
 * `udpkit/compare`: udp-compare as a function. `runCompare` returns the report as data, and the zod/mini schemas
 * check a report read back from JSON.
 */

export { runCompare, type CompareOptions } from './run.js';
export { compareReportSchema, scenarioResultSchema } from './schema.js';
export { SCENARIO_NAMES, type CompareReport, type ScenarioResult, type ScenarioName, type Row, type Cell, type Workload } from './types.js';
