import type { Channel } from '@omnitrail/events';
import type { ReportWindow } from '../model/index.js';
import type { JourneysSection } from '../report/types.js';
import { addCounts } from '../report/counts.js';
import { channelOfNumber, codeActor, codeChannel, codeType, isInboundCode, type CustomerRecord, type CustomersState } from '../customers/index.js';
import { transitionAggs, type ContextLostAnnotation, type ContextLostKind, type JourneyStage, type StageEntry } from './state.js';

export * from './state.js';

/** The stages in order. */
export const JOURNEY_STAGES: readonly JourneyStage[] = ['awareness', 'consideration', 'purchase', 'post_sale_support'];

const iso = (ms: number): string => new Date(ms).toISOString();

/** The customer's stage entry in force at `asOf` (the latest one at or before it), if any. */
export function stageAt(rec: CustomerRecord, asOf: number): StageEntry | undefined {
  const stages = rec.journey.stages;
  for (let i = stages.length - 1; i >= 0; i--) if (stages[i]!.at <= asOf) return stages[i];
  return undefined;
}

/**
 * The `journeys` section before its transitions are sorted (they are in no particular order here): the
 * tallies of disjoint sets of customers add up ({@link mergeJourneysTallies}).
 */
export type JourneysTally = JourneysSection;

/**
 * The {@link JourneysTally} of a customers state: customers by stage at `asOf` (customers whose first event
 * is after `asOf` are left out, so the stages sum to the customers count), channel transitions summed over
 * customers and context-lost annotations counted by kind. Stages and transitions describe the whole
 * history; the metrics period does not apply to them.
 */
export function journeysTally(state: CustomersState, window: ReportWindow): JourneysTally {
  const stages = { awareness: 0, consideration: 0, purchase: 0, post_sale_support: 0 };
  const contextLost = { unthreaded_switch: 0, forced_restart: 0, blind_handoff: 0, identity_gap: 0 };
  const transitions = new Map<number, { from: string; to: string; count: number }>();
  for (const rec of state.customers.values()) {
    const s = stageAt(rec, window.asOf);
    if (s === undefined) continue;
    stages[s.stage] += 1;
    const j = rec.journey;
    const t = j.transitions;
    if (t !== null) {
      for (let i = 0; i < t.length; i += 4) {
        const k = t[i]! * 65_536 + t[i + 1]!;
        const sum = transitions.get(k);
        if (sum === undefined) transitions.set(k, { from: channelOfNumber(t[i]!), to: channelOfNumber(t[i + 1]!), count: t[i + 2]! });
        else sum.count += t[i + 2]!;
      }
    }
    for (const a of j.contextLost) if (a.at <= window.asOf) contextLost[a.kind] += 1;
  }
  return { stages, transitions: [...transitions.values()], contextLost };
}

/** The tally of two disjoint sets of customers together. */
export function mergeJourneysTallies(a: JourneysTally, b: JourneysTally): JourneysTally {
  const stages = addCounts(a.stages, b.stages);
  const contextLost = addCounts(a.contextLost, b.contextLost);
  const transitions = new Map<string, { from: string; to: string; count: number }>();
  for (const t of [...a.transitions, ...b.transitions]) {
    const key = `${t.from}\u0000${t.to}`;
    const sum = transitions.get(key);
    if (sum === undefined) transitions.set(key, { from: t.from, to: t.to, count: t.count });
    else sum.count += t.count;
  }
  return { stages, transitions: [...transitions.values()], contextLost };
}

/** The report's `journeys` section from a tally: transitions sorted by count desc, then from, then to. */
export function journeysSectionOf(t: JourneysTally): JourneysSection {
  return {
    stages: { ...t.stages },
    transitions: sortTransitions(t.transitions.map((x) => ({ from: x.from, to: x.to, count: x.count }))),
    contextLost: { ...t.contextLost },
  };
}

/**
 * The report's `journeys` section: customers by stage at `asOf` (customers whose first event is after
 * `asOf` are left out, so the stages sum to the customers count), channel transitions summed over customers
 * (sorted by count desc, then from, then to) and context-lost annotations counted by kind. Stages and
 * transitions describe the whole history; the metrics period does not apply to them.
 */
export function journeysSection(state: CustomersState, window: ReportWindow): JourneysSection {
  return journeysSectionOf(journeysTally(state, window));
}

function sortTransitions<T extends { from: string; to: string; count: number }>(list: T[]): T[] {
  return list.sort((a, b) => b.count - a.count || (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
}

/** One event of a customer's timeline. */
export interface TimelineEntry {
  eventId: string;
  occurredAt: string;
  /** The catalog type (`custom` for a host-registered type). */
  type: string;
  channel?: Channel;
  actor: string;
  inbound: boolean;
  /** Index of the session the event belongs to (0-based). */
  session: number;
}

/** A run of events without a gap longer than the session gap. */
export interface SessionView {
  index: number;
  start: string;
  end: string;
  events: number;
  channels: Channel[];
}

/** The `omnitrail journey` view of one customer. */
export interface CustomerJourneyView {
  customerId: string;
  timeline: TimelineEntry[];
  sessions: SessionView[];
  stage: JourneyStage;
  /** Number of the current cycle (1 = before any repeat purchase). */
  cycle: number;
  /** Every stage reached, grouped by cycle. */
  cycles: { cycle: number; stages: { stage: JourneyStage; at: string; eventId: string }[] }[];
  transitions: { from: Channel; to: Channel; count: number; meanGapMs: number }[];
  contextLost: { kind: ContextLostKind; at: string; caseId?: string; evidence: string[] }[];
}

/**
 * One customer's journey for the `journey` command: timeline split into sessions (a gap strictly longer than
 * `sessionGapMs` starts a new one), current stage and cycles, transitions with mean time between, and
 * context-lost annotations with their evidence. `undefined` for an unknown customer.
 */
export function customerJourney(
  state: CustomersState,
  customerId: string,
  options: { sessionGapMs?: number } = {},
): CustomerJourneyView | undefined {
  const rec = state.customers.get(customerId);
  const stage = rec?.journey.stage ?? null;
  if (rec === undefined || stage === null) return undefined;
  const gap = options.sessionGapMs ?? 30 * 60_000;
  const timeline: TimelineEntry[] = [];
  const sessions: SessionView[] = [];
  let current: (SessionView & { startMs: number; lastMs: number; chans: Set<Channel> }) | undefined;
  for (let i = 0; i < rec.ids.length; i++) {
    const at = rec.ats[i]!;
    const code = rec.codes[i]!;
    const channel = codeChannel(code);
    if (current === undefined || at - current.lastMs > gap) {
      if (current !== undefined) sessions.push(finishSession(current));
      current = { index: sessions.length, start: iso(at), end: iso(at), events: 0, channels: [], startMs: at, lastMs: at, chans: new Set() };
    }
    current.events += 1;
    current.lastMs = at;
    if (channel !== undefined) current.chans.add(channel);
    const entry: TimelineEntry = {
      eventId: rec.ids[i]!,
      occurredAt: iso(at),
      type: codeType(code) ?? 'custom',
      actor: codeActor(code),
      inbound: isInboundCode(code),
      session: current.index,
    };
    if (channel !== undefined) entry.channel = channel;
    timeline.push(entry);
  }
  if (current !== undefined) sessions.push(finishSession(current));
  const j = rec.journey;
  const cycles: CustomerJourneyView['cycles'] = [];
  for (const s of j.stages) {
    let c = cycles[cycles.length - 1];
    if (c === undefined || c.cycle !== s.cycle) {
      c = { cycle: s.cycle, stages: [] };
      cycles.push(c);
    }
    c.stages.push({ stage: s.stage, at: iso(s.at), eventId: s.eventId });
  }
  const transitions = sortTransitions(
    transitionAggs(j).map((t) => ({ from: t.from, to: t.to, count: t.count, meanGapMs: t.totalGapMs / t.count })),
  );
  return {
    customerId,
    timeline,
    sessions,
    stage,
    cycle: j.cycle,
    cycles,
    transitions,
    contextLost: j.contextLost.map((a: ContextLostAnnotation) => {
      const out: CustomerJourneyView['contextLost'][number] = { kind: a.kind, at: iso(a.at), evidence: a.evidence.slice() };
      if (a.caseId !== undefined) out.caseId = a.caseId;
      return out;
    }),
  };
}

function finishSession(s: SessionView & { lastMs: number; chans: Set<Channel> }): SessionView {
  return { index: s.index, start: s.start, end: new Date(s.lastMs).toISOString(), events: s.events, channels: [...s.chans].sort() };
}

// ---- funnels ---------------------------------------------------------------------------------------

/**
 * One funnel step. An event matches when every given criterion holds: its type is one of `types`, its
 * channel one of `channels`, it is an inbound touchpoint when `inbound` is true. A `stage` step matches the
 * event at which the customer entered that stage.
 */
export interface FunnelStep {
  name: string;
  types?: readonly string[];
  channels?: readonly Channel[];
  inbound?: boolean;
  stage?: JourneyStage;
}

/** Options of `journeyFunnel`. */
export interface FunnelOptions {
  /** Conversion window from the first step (default `config.funnelWindowMs`: 14 days). */
  windowMs?: number;
  /** Only first steps in `[from, to)` enter the funnel. */
  from?: number;
  to?: number;
}

/** Funnel counts per step; rates are `null` on a zero denominator. */
export interface FunnelResult {
  windowMs: number;
  steps: { name: string; customers: number; fromPrevious: number | null; fromFirst: number | null }[];
}

const DEFAULT_FUNNEL_WINDOW_MS = 14 * 86_400_000;

/**
 * Ordered funnel over the customers' timelines: a customer reaches step n when events matching steps 1…n
 * occur in timeline order, all within `windowMs` of the step-1 event. Every step-1 occurrence in
 * `[from, to)` is tried and the deepest conversion counts, so a customer counts at most once per step. A
 * step matches a later event than the previous step's, except that consecutive stage steps may share one
 * event (a first message enters awareness and consideration at once).
 */
export function journeyFunnel(state: CustomersState, steps: readonly FunnelStep[], options: FunnelOptions = {}): FunnelResult {
  const windowMs = options.windowMs ?? DEFAULT_FUNNEL_WINDOW_MS;
  const from = options.from ?? Number.NEGATIVE_INFINITY;
  const to = options.to ?? Number.POSITIVE_INFINITY;
  const reached = new Array<number>(steps.length).fill(0);
  if (steps.length > 0) {
    for (const rec of state.customers.values()) {
      const depth = funnelDepth(rec, steps, windowMs, from, to);
      for (let i = 0; i < depth; i++) reached[i]! += 1;
    }
  }
  return {
    windowMs,
    steps: steps.map((s, i) => ({
      name: s.name,
      customers: reached[i]!,
      fromPrevious: i === 0 ? null : reached[i - 1]! === 0 ? null : reached[i]! / reached[i - 1]!,
      fromFirst: reached[0]! === 0 ? null : reached[i]! / reached[0]!,
    })),
  };
}

function stepMatches(rec: CustomerRecord, step: FunnelStep, pos: number): boolean {
  if (step.stage !== undefined) {
    let found = false;
    for (const s of rec.journey.stages) if (s.pos === pos && s.stage === step.stage) found = true;
    if (!found) return false;
  }
  const code = rec.codes[pos]!;
  if (step.types !== undefined && !step.types.includes(codeType(code) ?? 'custom')) return false;
  if (step.channels !== undefined) {
    const ch = codeChannel(code);
    if (ch === undefined || !step.channels.includes(ch)) return false;
  }
  if (step.inbound === true && !isInboundCode(code)) return false;
  return true;
}

function funnelDepth(rec: CustomerRecord, steps: readonly FunnelStep[], windowMs: number, from: number, to: number): number {
  let best = 0;
  const n = rec.ats.length;
  for (let p0 = 0; p0 < n && best < steps.length; p0++) {
    const t0 = rec.ats[p0]!;
    if (t0 < from) continue;
    if (t0 >= to) break;
    if (!stepMatches(rec, steps[0]!, p0)) continue;
    let depth = 1;
    let pos = p0;
    while (depth < steps.length) {
      const sameEventAllowed = steps[depth]!.stage !== undefined && steps[depth - 1]!.stage !== undefined;
      let next = -1;
      for (let p = sameEventAllowed ? pos : pos + 1; p < n && rec.ats[p]! - t0 <= windowMs; p++) {
        if (stepMatches(rec, steps[depth]!, p)) {
          next = p;
          break;
        }
      }
      if (next < 0) break;
      pos = next;
      depth++;
    }
    if (depth > best) best = depth;
  }
  return best;
}

// ---- retention -------------------------------------------------------------------------------------

/** Options of `retentionByCohort`. */
export interface RetentionOptions {
  /** Cohort and period size (UTC calendar; weeks start on Monday). */
  grain: 'day' | 'week' | 'month';
  /** How many periods to report per cohort, offset 0 (the cohort's own period) included. */
  periods: number;
  /** Periods starting at or after `asOf` are not reported; events after it are ignored. */
  asOf: number;
  /** What counts as being active: any event (default) or an inbound touchpoint. */
  activity?: 'any' | 'inbound';
}

/** One cohort: customers whose first event fell in the period starting at `cohort`. */
export interface RetentionCohort {
  cohort: string;
  customers: number;
  /** Customers active in period offset i (0 = the cohort's own period), for every period that began before asOf. */
  retained: number[];
  /** `retained[i] / customers`. */
  rates: number[];
}

/** Start of the UTC period (day, Monday-based week or month) containing `ms`, shifted by `offset` periods. */
export function periodStart(ms: number, grain: RetentionOptions['grain'], offset = 0): number {
  const d = new Date(ms);
  if (grain === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (grain === 'day') return day + offset * 86_400_000;
  const weekday = (d.getUTCDay() + 6) % 7;
  return day - weekday * 86_400_000 + offset * 7 * 86_400_000;
}

/**
 * Retention by cohort: customers grouped by the period of their first event; for each later period, how many
 * were active in it. Cohorts are sorted by start.
 */
export function retentionByCohort(state: CustomersState, options: RetentionOptions): RetentionCohort[] {
  const cohorts = new Map<number, { customers: number; retained: number[] }>();
  for (const rec of state.customers.values()) {
    const first = rec.ats[0];
    if (first === undefined || first > options.asOf) continue;
    const start = periodStart(first, options.grain);
    let c = cohorts.get(start);
    if (c === undefined) {
      c = { customers: 0, retained: [] };
      for (let i = 0; i < options.periods && periodStart(start, options.grain, i) < options.asOf; i++) c.retained.push(0);
      cohorts.set(start, c);
    }
    c.customers += 1;
    let offset = -1;
    let nextStart = start;
    for (let i = 0; i < rec.ats.length; i++) {
      const at = rec.ats[i]!;
      if (at > options.asOf) break;
      if (options.activity === 'inbound' && !isInboundCode(rec.codes[i]!)) continue;
      if (offset >= 0 && at < nextStart) continue;
      // find the offset of this event's period
      let o = Math.max(offset, 0);
      while (periodStart(start, options.grain, o + 1) <= at) o++;
      if (o >= c.retained.length) break;
      c.retained[o]! += 1;
      offset = o;
      nextStart = periodStart(start, options.grain, o + 1);
    }
  }
  return [...cohorts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([start, c]) => ({ cohort: iso(start), customers: c.customers, retained: c.retained, rates: c.retained.map((r) => r / c.customers) }));
}
