// The live engine's triage queue and at-risk segment (operations.md): queries at an explicit or clock `asOf`,
// and streams that re-rank at the clock whenever the tenant changes, and at each tick of an optional refresh$. Both read the tenant's fold as of the
// instant asked (the same fold the report uses), so the engine's answers are the replay's.
import { deepFreeze } from '@omnitrail/eventstore/adapter';
import { Observable, combineLatest, distinctUntilChanged, map, startWith } from 'rxjs';
import { atRiskCustomers, type AtRiskCustomer } from '../core/segments/index.js';
import type { TenantFold } from '../core/standard/index.js';
import { triageQueue, type TriageEntry } from '../core/triage/index.js';
import type { OperationsStreamOptions } from './operations.js';

/** The instant a time-dependent query is answered at (default: the engine's clock). */
export interface AsOfOption {
  /** Milliseconds since the epoch. */
  asOf?: number;
}

/** The engine's triage and segment queries and streams (part of `JourneyEngine`). */
export interface TriageQueries {
  /**
   * The work queue at `asOf` (default: the clock): every case `open`, `bot`, or snoozed past its
   * `snoozedUntil`, scored with its reasons and sorted so the case to take next comes first (operations.md,
   * triage). Frozen plain data, equal to the replay report's `operations.triage` at the same instant.
   */
  triage(tenantId: string, options?: AsOfOption): readonly TriageEntry[];
  /**
   * The queue re-ranked at the clock: the current queue first, then a new one each time a change of the
   * tenant changes it (a queue equal to the previous one is not emitted again). Waiting points and SLA
   * targets move with time alone: with `refresh$` (an `interval(60_000)`, say) it also re-ranks at each of
   * its emissions, as `slaBreaches$` does. Frozen plain data.
   */
  triage$(tenantId: string, options?: OperationsStreamOptions): Observable<readonly TriageEntry[]>;
  /**
   * The customers in the red health band at `asOf` (default: the clock), with score, stage, last seen, value
   * per currency and the three signals that pull them down most, sorted by score, then id (operations.md,
   * segments). Frozen plain data, equal to the report's `operations.segments.atRisk`.
   */
  atRisk(tenantId: string, options?: AsOfOption): readonly AtRiskCustomer[];
  /**
   * The at-risk customers at the clock: the current list first, then each change of it; health falls with
   * inactivity alone, so `refresh$` re-evaluates at each of its emissions too. Frozen plain data.
   */
  atRisk$(tenantId: string, options?: OperationsStreamOptions): Observable<readonly AtRiskCustomer[]>;
}

/** What the queries need of the engine. */
export interface TriageDeps {
  /**
   * The tenant's fold as of an instant (the head when no event is after it), `undefined` before any event;
   * `method` names the query in the engine's errors.
   */
  foldAt(tenantId: string, asOf: number, method: string): TenantFold | undefined;
  /** The tenant's current fold, then the fold after every change (during catch-up too). */
  tenant$(tenantId: string): Observable<TenantFold | undefined>;
  /** The latest `occurredAt` the tenant folded (−∞ before any event). */
  latestAt(tenantId: string): number;
  clock: () => number;
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function frozen<T>(value: T): T {
  deepFreeze(value);
  return value;
}

/** The triage and at-risk queries of an engine, over its folds. */
export function createTriageQueries(deps: TriageDeps): TriageQueries {
  const triageAt = (tenantId: string, asOf: number): readonly TriageEntry[] => {
    const fold = deps.foldAt(tenantId, asOf, 'triage');
    return frozen(fold === undefined ? [] : triageQueue(fold, asOf));
  };
  const atRiskAt = (tenantId: string, asOf: number): readonly AtRiskCustomer[] => {
    const fold = deps.foldAt(tenantId, asOf, 'atRisk');
    return frozen(fold === undefined ? [] : atRiskCustomers(fold, asOf));
  };
  // A stream answers from the fold it was given, so it also follows the catch-up; only when that fold holds
  // events after the clock does it ask for the fold as of the clock.
  const streamFold = (tenantId: string, fold: TenantFold | undefined, asOf: number, method: string): TenantFold | undefined =>
    fold === undefined || deps.latestAt(tenantId) <= asOf ? fold : deps.foldAt(tenantId, asOf, method);
  // The tenant's latest fold at each of its changes and, with refresh$, again at each tick (the clock moved).
  const folds = (tenantId: string, options: OperationsStreamOptions | undefined): Observable<TenantFold | undefined> =>
    options?.refresh$ === undefined
      ? deps.tenant$(tenantId)
      : combineLatest([deps.tenant$(tenantId), options.refresh$.pipe(startWith(undefined))]).pipe(map(([fold]) => fold));
  return {
    triage: (tenantId, options = {}) => triageAt(tenantId, options.asOf ?? deps.clock()),
    triage$: (tenantId, options) =>
      folds(tenantId, options).pipe(
        map((current) => {
          const asOf = deps.clock();
          const fold = streamFold(tenantId, current, asOf, 'triage$');
          return frozen(fold === undefined ? [] : triageQueue(fold, asOf));
        }),
        distinctUntilChanged<readonly TriageEntry[]>(sameJson),
      ),
    atRisk: (tenantId, options = {}) => atRiskAt(tenantId, options.asOf ?? deps.clock()),
    atRisk$: (tenantId, options) =>
      folds(tenantId, options).pipe(
        map((current) => {
          const asOf = deps.clock();
          const fold = streamFold(tenantId, current, asOf, 'atRisk$');
          return frozen(fold === undefined ? [] : atRiskCustomers(fold, asOf));
        }),
        distinctUntilChanged<readonly AtRiskCustomer[]>(sameJson),
      ),
  };
}
