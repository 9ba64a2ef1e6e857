import type { EventOf } from '@omnitrail/events';
import { appendFactRow, copyFactTable, createFactTable, factChunks, type FactTable } from '../../facts/index.js';
import type { TenantProjection } from '../../model/index.js';
import { inPeriod, ratio } from '../period.js';

/**
 * Self-service attempts as columns (customer ids as folded: the tally follows later merges); `flags` holds
 * {@link DEFLECTABLE} (not a bot session ended by a handoff), {@link RATED} and {@link HELPFUL}. In chunks
 * that copies of the state share (../../facts).
 */
type Attempts = FactTable<{ customerId: string[]; at: number[]; flags: number[] }>;

const DEFLECTABLE = 1;
/** A knowledge view that says whether it helped. */
const RATED = 2;
const HELPFUL = 4;

/** Attempts, and the instants of assisted contact with their customer (as folded), in fold order. */
export interface SelfServiceState {
  /** `JourneyConfig.deflectionWindowMs`, kept from `create` for the tally. */
  windowMs: number;
  attempts: Attempts;
  assisted: FactTable<{ customerId: string[]; at: number[] }>;
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
  create: (config) => ({ windowMs: config.deflectionWindowMs, attempts: createFactTable({ customerId: [], at: [], flags: [] }), assisted: createFactTable({ customerId: [], at: [] }) }),
  clone: (s) => ({
    windowMs: s.windowMs,
    attempts: copyFactTable(s.attempts),
    assisted: copyFactTable(s.assisted),
  }),
  apply(state, je, effects, cases) {
    const e = je.event;
    let flags = -1;
    if (e.type === 'KnowledgeArticleViewed') {
      const helpful = (e as EventOf<'KnowledgeArticleViewed'>).data.helpful;
      flags = DEFLECTABLE | (helpful === undefined ? 0 : RATED | (helpful ? HELPFUL : 0));
    } else if (e.type === 'BotSessionEnded') flags = (e as EventOf<'BotSessionEnded'>).data.outcome === 'handoff' ? 0 : DEFLECTABLE;
    if (flags >= 0) {
      const row = appendFactRow(state.attempts);
      row.customerId.push(je.customerId);
      row.at.push(je.at);
      row.flags.push(flags);
      return;
    }
    const assisted =
      effects.opened?.handledBy === 'human' ||
      effects.escalatedToHuman === true ||
      (e.type === 'MessageReceived' && effects.caseId !== undefined && cases.getCase(effects.caseId)?.status !== 'bot');
    if (!assisted) return;
    const row = appendFactRow(state.assisted);
    row.customerId.push(je.customerId);
    row.at.push(je.at);
  },
  tally(state, window, canonical) {
    const assisted = new Map<string, number[]>();
    for (const { customerId, at } of factChunks(state.assisted)) {
      for (let i = 0; i < at.length; i++) {
        const id = canonical(customerId[i]!);
        const list = assisted.get(id);
        if (list === undefined) assisted.set(id, [at[i]!]);
        else list.push(at[i]!);
      }
    }
    // Merged customers' instants interleave.
    for (const list of assisted.values()) list.sort((a, b) => a - b);
    const t: SelfServiceTally = { attempts: 0, deflected: 0, rated: 0, helpful: 0 };
    for (const { customerId, at, flags } of factChunks(state.attempts)) {
      for (let i = 0; i < at.length; i++) {
        const when = at[i]!;
        if (!inPeriod(when, window)) continue;
        const f = flags[i]!;
        t.attempts++;
        if ((f & DEFLECTABLE) !== 0 && !anyWithin(assisted.get(canonical(customerId[i]!)) ?? [], when, when + state.windowMs)) t.deflected++;
        if ((f & RATED) !== 0) {
          t.rated++;
          if ((f & HELPFUL) !== 0) t.helpful++;
        }
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
