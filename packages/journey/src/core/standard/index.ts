/**
 * The standard projections as one registry, and what both drivers (the live engine, the batch replay) share:
 * the folded tenant they produce, the per-event step of the tenant-wide projections, and the report made
 * from a fold. The per-customer projections are listed in `customers/registry.ts`; the cases projection,
 * which every other projection reads the effects of, is always first.
 */
export { TENANT_PROJECTIONS, applyViews, cloneViewStates, createViewStates, type AnyTenantProjection } from './registry.js';
export type { TenantFold } from './fold.js';
export { mergeTenantTallies, tenantFoldReader, tenantReport, tenantReportOf, tenantTally, type TenantTally } from './report.js';
