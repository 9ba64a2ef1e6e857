/**
 * The cases projection (domain.md, Cases): case lifecycle, waiting and first-response clocks, samples for
 * the service metrics, SLA and anomalies. See docs/cases.md.
 */
export { createCasesState, cloneCasesState, compactSettledCases, isPackedCase, UNPACK_CASE, markCasesCompact, markCasesShared, shareCasesState, workingCasesState, writableCase, writableCaseList } from './state.js';
export type { CaseRecord, CasesState, SlaTargets, Samples } from './state.js';
export { applyCaseEvent, routeCase, CASE_ANOMALIES } from './fold.js';
export { getCase, casesOfCustomer, caseLookupOf, listCases, casesSection, caseMetrics, statusAsOf, casesTally, mergeCasesTallies, casesSectionOf, caseMetricsOf, type CasesTally } from './report.js';
export { slaMissesOf, slaOutcomes, slaStatus } from './sla.js';
export type { CaseSlaStatus, SlaState, SlaTargetStatus } from './sla.js';
export { addBusinessMs, businessMsBetween } from './business-hours.js';
export { caseSnapshot, openCaseRow, type CaseSnapshot } from './snapshot.js';
