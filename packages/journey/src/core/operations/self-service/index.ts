import type { EventOf } from '@omnitrail/events';
import type { TenantProjection } from '../../model/index.js';
import { inPeriod, ratio } from '../period.js';

/** A self-service attempt as folded (customer id as folded: the tally follows later merges). */
interface Attempt {
  customerId: string;
  at: number;
  /** `false` for a bot session that ended in a handoff: never deflected. */
  deflectable: boolean;
  /** A knowledge view's `helpful`, when given. */
  helpful: boolean | undefined;
}

/** Attempts, and the instants of assisted contact per customer (in fold order, so ascending). */
export interface SelfServiceState {
  /** `JourneyConfig.deflectionWindowMs`, kept from `create` for the tally. */
  windowMs: number;
  attempts: Attempt[];
  assisted: Map<string, number[]>;
}

/** The `selfService` view before rates. */
export interface SelfServiceTally {
  attempts: number;
  deflected: number;
  rated: number;
  helpful: number;
}

/** The `operations.selfService` section (operations.md). */
export interface SelfServiceSection {
  attempts: number;
  deflected: number;
  /** deflected / attempts. */
  rate: number | null;
  helpful: { rated: number; helpful: number; rate: number | null };
}

/** Whether a sorted list holds a value in `[lo, hi]`. */
function anyWithin(sorted: readonly number[], lo: number, hi: number): boolean {
  let a = 0;
  let b = sorted.length;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (sorted[mid]! < lo) a = mid + 1;
    else b = mid;
  }
  return a < sorted.length && sorted[a]! <= hi;
}

/**
 * Self-service deflection (operations.md, selfService). An attempt (a knowledge article viewed, a bot session
 * ended) is deflected unless its customer had assisted contact (a human-handled case opened, a customer
 * message on a case not in `bot`, a bot-to-human escalation) at an instant from the attempt's to the end of
 * the deflection window, as far as the events up to `asOf` tell. Paired per customer after merges, at tally.
 */
export const selfServiceProjection: TenantProjection<SelfServiceState, SelfServiceTally, SelfServiceSection> = {
  name: 'selfService',
  create: (config) => ({ windowMs: config.deflectionWindowMs, attempts: [], assisted: new Map() }),
  clone: (s) => ({ windowMs: s.windowMs, attempts: s.attempts.slice(), assisted: new Map([...s.assisted].map(([k, v]) => [k, v.slice()])) }),
  apply(state, je, effects, cases) {
    const e = je.event;
    if (e.type === 'KnowledgeArticleViewed') {
      state.attempts.push({ customerId: je.customerId, at: je.at, deflectable: true, helpful: (e as EventOf<'KnowledgeArticleViewed'>).data.helpful });
      return;
    }
    if (e.type === 'BotSessionEnded') {
      state.attempts.push({ customerId: je.customerId, at: je.at, deflectable: (e as EventOf<'BotSessionEnded'>).data.outcome !== 'handoff', helpful: undefined });
      return;
    }
    const assisted =
      effects.opened?.handledBy === 'human' ||
      effects.escalatedToHuman === true ||
      (e.type === 'MessageReceived' && effects.caseId !== undefined && cases.getCase(effects.caseId)?.status !== 'bot');
    if (!assisted) return;
    let list = state.assisted.get(je.customerId);
    if (list === undefined) state.assisted.set(je.customerId, (list = []));
    list.push(je.at);
  },
  tally(state, window, canonical) {
    const assisted = new Map<string, number[]>();
    for (const [customerId, ats] of state.assisted) {
      const id = canonical(customerId);
      const list = assisted.get(id);
      if (list === undefined) assisted.set(id, ats.slice());
      else list.push(...ats);
    }
    // Merged customers' instants interleave.
    for (const list of assisted.values()) list.sort((a, b) => a - b);
    const t: SelfServiceTally = { attempts: 0, deflected: 0, rated: 0, helpful: 0 };
    for (const a of state.attempts) {
      if (!inPeriod(a.at, window)) continue;
      t.attempts++;
      if (a.deflectable && !anyWithin(assisted.get(canonical(a.customerId)) ?? [], a.at, a.at + state.windowMs)) t.deflected++;
      if (a.helpful !== undefined) {
        t.rated++;
        if (a.helpful) t.helpful++;
      }
    }
    return t;
  },
  mergeTallies: (a, b) => ({ attempts: a.attempts + b.attempts, deflected: a.deflected + b.deflected, rated: a.rated + b.rated, helpful: a.helpful + b.helpful }),
  section: (t) => ({
    attempts: t.attempts,
    deflected: t.deflected,
    rate: ratio(t.deflected, t.attempts),
    helpful: { rated: t.rated, helpful: t.helpful, rate: ratio(t.helpful, t.rated) },
  }),
};
