import { instantMs, type EventOf } from '@omnitrail/events';
import type { TenantProjection } from '../../model/index.js';
import { compareText, inPeriod, iso, ratio, routedCaseId } from '../period.js';

/** A `CallbackRequested` as folded (customer id as folded: the tally follows later merges). */
interface CallbackRequest {
  eventId: string;
  customerId: string;
  caseId: string | undefined;
  at: number;
  windowFrom: number;
  windowTo: number;
}

/** A `CallbackCompleted` or `CallbackMissed` as folded. */
interface CallbackSettlement {
  eventId: string;
  customerId: string;
  at: number;
  completed: boolean;
}

/** Every callback event folded; requests and settlements are paired at tally time, per customer after merges. */
export interface CallbacksState {
  requests: CallbackRequest[];
  settlements: CallbackSettlement[];
}

/** A request still open at `asOf`, instants in ms. */
export interface PendingCallbackTally {
  customerId: string;
  caseId: string | null;
  requestedAt: number;
  windowFrom: number;
  windowTo: number;
}

/** The `callbacks` view before rates. */
export interface CallbacksTally {
  requested: number;
  completed: number;
  completedInWindow: number;
  missed: number;
  pending: PendingCallbackTally[];
  anomalies: { eventId: string; reason: string }[];
}

/** A pending callback as the report shows it. */
export interface PendingCallback {
  customerId: string;
  caseId: string | null;
  requestedAt: string;
  windowFrom: string;
  windowTo: string;
  /** `windowTo` < `asOf`. */
  overdue: boolean;
}

/** The `operations.callbacks` section (operations.md). */
export interface CallbacksSection {
  requested: number;
  completed: number;
  completedInWindow: number;
  missed: number;
  /** completedInWindow / (completed + missed). */
  keptRate: number | null;
  /** Sorted by `windowFrom`, then `customerId`, then `requestedAt`. */
  pending: PendingCallback[];
  /** Settlements with no open request of their customer to settle, sorted by event id. */
  anomalies: { eventId: string; reason: string }[];
}

/** The reason listed for a `CallbackCompleted` or `CallbackMissed` with nothing to settle. */
export const NO_OPEN_CALLBACK = 'no_open_callback';

function byInstantThenId(a: { at: number; eventId: string }, b: { at: number; eventId: string }): number {
  return a.at - b.at || compareText(a.eventId, b.eventId);
}

function comparePending(a: PendingCallbackTally, b: PendingCallbackTally): number {
  return a.windowFrom - b.windowFrom || compareText(a.customerId, b.customerId) || a.requestedAt - b.requestedAt;
}

function groupByCustomer<T extends { customerId: string }>(items: readonly T[], canonical: (id: string) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const id = canonical(item.customerId);
    let list = out.get(id);
    if (list === undefined) out.set(id, (list = []));
    list.push(item);
  }
  return out;
}

/**
 * Callbacks customers asked for (operations.md, callbacks). A settlement closes its customer's oldest open
 * request made at or before it. The pairing is done at tally time over each customer's events after merges,
 * so a request made before a merge and completed after it pairs up in the live engine as in the replay.
 */
export const callbacksProjection: TenantProjection<CallbacksState, CallbacksTally, CallbacksSection> = {
  name: 'callbacks',
  create: () => ({ requests: [], settlements: [] }),
  // Entries are never changed once pushed: copying the lists is deep enough.
  clone: (s) => ({ requests: s.requests.slice(), settlements: s.settlements.slice() }),
  apply(state, je) {
    const e = je.event;
    if (e.type === 'CallbackRequested') {
      const w = (e as EventOf<'CallbackRequested'>).data.window;
      state.requests.push({ eventId: e.id, customerId: je.customerId, caseId: e.caseId, at: je.at, windowFrom: instantMs(w.from), windowTo: instantMs(w.to) });
    } else if (e.type === 'CallbackCompleted' || e.type === 'CallbackMissed') {
      state.settlements.push({ eventId: e.id, customerId: je.customerId, at: je.at, completed: e.type === 'CallbackCompleted' });
    }
  },
  tally(state, window, canonical, fold) {
    const t: CallbacksTally = { requested: 0, completed: 0, completedInWindow: 0, missed: 0, pending: [], anomalies: [] };
    const requests = groupByCustomer(state.requests, canonical);
    const settlements = groupByCustomer(state.settlements, canonical);
    for (const r of state.requests) if (inPeriod(r.at, window)) t.requested++;
    for (const customerId of new Set([...requests.keys(), ...settlements.keys()])) {
      const asked = (requests.get(customerId) ?? []).sort(byInstantThenId);
      const settled = (settlements.get(customerId) ?? []).sort(byInstantThenId);
      // Oldest open first: requests join in time order, settlements take from the front.
      const open: CallbackRequest[] = [];
      let next = 0;
      for (const s of settled) {
        // "Requested at or before it": requests at the settlement's instant are open by then.
        while (next < asked.length && asked[next]!.at <= s.at) open.push(asked[next++]!);
        const r = open.shift();
        if (r === undefined) {
          t.anomalies.push({ eventId: s.eventId, reason: NO_OPEN_CALLBACK });
          continue;
        }
        if (!inPeriod(s.at, window)) continue;
        if (!s.completed) t.missed++;
        else {
          t.completed++;
          if (s.at >= r.windowFrom && s.at <= r.windowTo) t.completedInWindow++;
        }
      }
      for (const r of [...open, ...asked.slice(next)]) {
        const caseId = r.caseId === undefined ? null : routedCaseId(fold.caseLookup, r.caseId);
        t.pending.push({ customerId, caseId, requestedAt: r.at, windowFrom: r.windowFrom, windowTo: r.windowTo });
      }
    }
    t.pending.sort(comparePending);
    return t;
  },
  mergeTallies: (a, b) => ({
    requested: a.requested + b.requested,
    completed: a.completed + b.completed,
    completedInWindow: a.completedInWindow + b.completedInWindow,
    missed: a.missed + b.missed,
    pending: [...a.pending, ...b.pending].sort(comparePending),
    anomalies: [...a.anomalies, ...b.anomalies],
  }),
  section: (t, window) => ({
    requested: t.requested,
    completed: t.completed,
    completedInWindow: t.completedInWindow,
    missed: t.missed,
    keptRate: ratio(t.completedInWindow, t.completed + t.missed),
    pending: t.pending.map((p) => ({
      customerId: p.customerId,
      caseId: p.caseId,
      requestedAt: iso(p.requestedAt),
      windowFrom: iso(p.windowFrom),
      windowTo: iso(p.windowTo),
      overdue: p.windowTo < window.asOf,
    })),
    anomalies: t.anomalies.map((a) => ({ ...a })).sort((x, y) => compareText(x.eventId, y.eventId)),
  }),
};

