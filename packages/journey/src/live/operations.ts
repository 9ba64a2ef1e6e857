// The engine's queries and streams of the operational views (operations.md): one view of a tenant at an
// explicit or clock `asOf`, and streams of the pending callbacks and the SLA breaches.
import { deepFreeze } from '@omnitrail/eventstore/adapter';
import { Observable, distinctUntilChanged, map, merge } from 'rxjs';
import type { ReportWindow } from '../core/model/index.js';
import type { OperationsSections, OperationsViewName, PendingCallback, SlaBreach } from '../core/operations/index.js';
import { tenantFoldReader, type TenantFold } from '../core/standard/index.js';

/** Options of the operational views' streams. */
export interface OperationsStreamOptions {
  /**
   * Re-evaluates at each emission besides each change of the tenant: answers that depend on the clock
   * (a callback window passing, an SLA target's due instant passing) change with time alone. An interval
   * (`interval(60_000)`) is typical; without it the stream re-evaluates on the tenant's changes only.
   */
  refresh$?: Observable<unknown>;
}

/** The operational views of a journey engine (operations.md). Every answer is frozen plain data. */
export interface JourneyOperations {
  /**
   * One operational view of a tenant, as `tenants.<id>.operations.<name>` of the report: judged as of
   * `window.asOf` (default: the clock), over the period `[from, to)` (default: the tenant's first event to
   * `asOf`). Throws a `RangeError` for a name the engine does not fold.
   */
  operations<N extends OperationsViewName>(tenantId: string, name: N, window?: Partial<ReportWindow>): OperationsSections[N];
  /**
   * The tenant's pending callbacks as of the clock (`operations.callbacks.pending`): the current list first,
   * then the list each time it changes.
   */
  callbacks$(tenantId: string, options?: OperationsStreamOptions): Observable<readonly PendingCallback[]>;
  /**
   * Every SLA target of the tenant missed as of the clock, whenever it was due (`operations.sla.breaches`
   * over all time): the current list first, then the list each time it changes.
   */
  slaBreaches$(tenantId: string, options?: OperationsStreamOptions): Observable<readonly SlaBreach[]>;
}

/** What the operational queries need of the engine. */
export interface OperationsHost {
  /** The tenant's fold of the events with `occurredAt ≤ asOf`, and its first event's instant (if any). */
  foldAt(tenantId: string, asOf: number): { fold: TenantFold; firstAt: number | undefined };
  /** The tenant's state stream (current fold first). */
  tenant$(tenantId: string): Observable<TenantFold | undefined>;
  clock(): number;
}

const ALL_TIME = { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY };

/** One view's section of a fold for a window, frozen. */
function sectionOf(fold: TenantFold, name: string, window: ReportWindow): unknown {
  const index = fold.projections.findIndex((p) => p.name === name);
  if (index < 0) throw new RangeError(`Unknown operations view "${name}": the engine folds ${fold.projections.map((p) => p.name).join(', ') || 'none'}.`);
  const p = fold.projections[index]!;
  const section = p.section(p.tally(fold.views[index], window, fold.canonical, tenantFoldReader(fold)), window);
  deepFreeze(section);
  return section;
}

/** The engine's {@link JourneyOperations}, over its folds and streams. */
export function createJourneyOperations(host: OperationsHost): JourneyOperations {
  const stream = <T>(tenantId: string, options: OperationsStreamOptions | undefined, pick: (asOf: number) => T): Observable<T> => {
    const ticks = options?.refresh$ === undefined ? host.tenant$(tenantId) : merge(host.tenant$(tenantId), options.refresh$);
    return ticks.pipe(
      map(() => pick(host.clock())),
      distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b)),
    );
  };
  const allTime = <N extends OperationsViewName>(tenantId: string, name: N, asOf: number): OperationsSections[N] =>
    sectionOf(host.foldAt(tenantId, asOf).fold, name, { asOf, ...ALL_TIME }) as OperationsSections[N];
  return {
    operations(tenantId, name, window = {}) {
      const asOf = window.asOf ?? host.clock();
      const { fold, firstAt } = host.foldAt(tenantId, asOf);
      return sectionOf(fold, name, { asOf, from: window.from ?? firstAt ?? asOf, to: window.to ?? asOf }) as OperationsSections[typeof name];
    },
    callbacks$: (tenantId, options) => stream(tenantId, options, (asOf) => allTime(tenantId, 'callbacks', asOf).pending),
    slaBreaches$: (tenantId, options) => stream(tenantId, options, (asOf) => allTime(tenantId, 'sla', asOf).breaches),
  };
}
