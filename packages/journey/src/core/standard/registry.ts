// The registry of tenant-wide standard projections and the per-event step both drivers run for them.
import { segmentsProjection } from '../segments/index.js';
import { triageProjection } from '../triage/index.js';
import type { CaseEffects, CaseLookup, JourneyConfig, JourneyEvent, TenantProjection } from '../model/index.js';
import {
  agentsProjection,
  byChannelProjection,
  callbacksProjection,
  contactDriversProjection,
  costsProjection,
  marketplacesProjection,
  selfServiceProjection,
  slaProjection,
  stageChannelsProjection,
  voiceProjection,
} from '../operations/index.js';

/** Any tenant-wide projection (the registry holds several state, tally and section types). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTenantProjection = TenantProjection<any, any, any, any>;

/**
 * The tenant-wide standard projections after cases and the customer projections, in fold order: each is
 * one folder with its module, and one line here. Their sections go under `tenants.<id>.operations.<name>`.
 * The operational views of operations.md come first, in its order.
 */
export const TENANT_PROJECTIONS: readonly AnyTenantProjection[] = [
  slaProjection,
  voiceProjection,
  callbacksProjection,
  byChannelProjection,
  selfServiceProjection,
  contactDriversProjection,
  agentsProjection,
  triageProjection,
  segmentsProjection,
  marketplacesProjection,
  stageChannelsProjection,
  costsProjection,
];

/** Fresh states of tenant-wide projections. */
export function createViewStates(projections: readonly AnyTenantProjection[], config: JourneyConfig): unknown[] {
  return projections.map((p) => p.create(config));
}

/** Copies of tenant-wide projections' states (for snapshots). */
export function cloneViewStates(projections: readonly AnyTenantProjection[], states: readonly unknown[]): unknown[] {
  return projections.map((p, i) => p.clone(states[i]));
}

/** Folds one event into every tenant-wide projection, after the cases projection gave its `effects`. */
export function applyViews(
  projections: readonly AnyTenantProjection[],
  states: readonly unknown[],
  je: JourneyEvent,
  effects: CaseEffects,
  cases: CaseLookup,
  config: JourneyConfig,
): void {
  for (let i = 0; i < projections.length; i++) projections[i]!.apply(states[i], je, effects, cases, config);
}

