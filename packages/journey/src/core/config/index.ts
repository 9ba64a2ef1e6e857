import { DEFAULT_IDENTITY_LIMITS } from '../identity/index.js';
import { CHANNELS } from '@omnitrail/events';
import type { ChurnSignalConfig, CostTable, HealthBandLimits, JourneyConfig, TriagePoints } from '../model/index.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A partial of `T` at every depth (arrays and primitives are replaced whole). */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * The 13 default churn signals (docs/churn.md): weight, decay half-life and thresholds. Names are the keys a
 * tenant uses in `churnSignals` to tune or disable (weight 0) a signal.
 */
export const DEFAULT_CHURN_SIGNALS: Readonly<Record<string, Readonly<ChurnSignalConfig>>> = Object.freeze({
  inactivity: { weight: 3, days: 30, zeroDays: 90 },
  declining_engagement: { weight: 2, windowDays: 30, minPrevious: 2 },
  negative_sentiment: { weight: 2, halfLifeDays: 14, threshold: 0 },
  repeat_contacts: { weight: 3, halfLifeDays: 14, minCases: 2, days: 30 },
  aging_case: { weight: 2, halfLifeDays: 14, days: 7 },
  low_csat: { weight: 2, halfLifeDays: 30, max: 2 },
  nps_detractor: { weight: 3, halfLifeDays: 90, max: 6 },
  high_effort: { weight: 1, halfLifeDays: 30, max: 3 },
  context_lost: { weight: 2, halfLifeDays: 14 },
  channel_hopping: { weight: 1, halfLifeDays: 14, channels: 3, hours: 48 },
  returns_cancellations: { weight: 1, halfLifeDays: 30 },
  negative_public_mention: { weight: 2, halfLifeDays: 14, threshold: 0 },
  cancel_intent: { weight: 3, halfLifeDays: 30 },
});

/** The names of the default churn signals, in their documented order. */
export const CHURN_SIGNAL_NAMES = Object.freeze(Object.keys(DEFAULT_CHURN_SIGNALS));

function cloneSignals(src: Readonly<Record<string, Readonly<ChurnSignalConfig>>>): Record<string, ChurnSignalConfig> {
  const out: Record<string, ChurnSignalConfig> = {};
  for (const [name, c] of Object.entries(src)) out[name] = { ...c };
  return out;
}

const HOUR_MS = 3_600_000;

/** The health band limits of domain.md. */
export const DEFAULT_HEALTH_BANDS: Readonly<HealthBandLimits> = Object.freeze({ redMax: 50, yellowMax: 75 });

/** The triage points of operations.md. */
export const DEFAULT_TRIAGE_POINTS: Readonly<TriagePoints> = Object.freeze({
  priority: Object.freeze({ urgent: 40, high: 25, normal: 10, low: 0 }),
  slaMissed: 30,
  slaDueSoon: 20,
  slaDueSoonMs: HOUR_MS,
  waitingPerHour: 1,
  waitingMax: 20,
  sentimentBelow: -0.3,
  sentimentWindowMs: 7 * DAY_MS,
  sentimentPerSeverity: 5,
  publicExposure: 10,
  healthRed: 15,
  healthYellow: 5,
}) as TriagePoints;

/** Every default of a tenant's journey configuration (domain.md); frozen, copy it to change it. */
export const defaultJourneyConfig: JourneyConfig = Object.freeze({
  reopenWindow: { days: 7 },
  replyWindowsMs: {},
  businessHours: {},
  identityLimits: { ...DEFAULT_IDENTITY_LIMITS },
  sessionGapMs: 30 * MINUTE_MS,
  funnelWindowMs: 14 * DAY_MS,
  sentimentHalfLifeMs: 14 * DAY_MS,
  preferredChannelWindowMs: 90 * DAY_MS,
  churnSignals: cloneSignals(DEFAULT_CHURN_SIGNALS),
  predictiveChurnPeriods: 3,
  healthBands: DEFAULT_HEALTH_BANDS,
  triage: DEFAULT_TRIAGE_POINTS,
  // operational views (operations.md)
  deflectionWindowMs: 24 * 60 * MINUTE_MS,
  costTable: null,
}) as JourneyConfig;

/** A configuration field that is not valid: the message names the field and the reason. */
export class JourneyConfigError extends Error {
  readonly code = 'INVALID_JOURNEY_CONFIG';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`Invalid journey configuration: ${field} ${reason}.`);
    this.name = 'JourneyConfigError';
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function positiveMs(field: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new JourneyConfigError(field, 'must be a positive finite number of milliseconds');
  return v;
}

/**
 * A complete configuration from a partial one: defaults fill every missing field, churn signals merge per
 * signal and per threshold. Throws `JourneyConfigError` naming the field and the reason (negative weights,
 * non-positive durations, unknown channels, …).
 */
export function resolveJourneyConfig(partial?: DeepPartial<JourneyConfig>): JourneyConfig {
  const p = (partial ?? {}) as Record<string, unknown>;
  if (!isPlainObject(p)) throw new JourneyConfigError('(config)', 'must be an object');
  const d = defaultJourneyConfig;

  let reopenWindow = d.reopenWindow;
  if (p.reopenWindow !== undefined) {
    const r = p.reopenWindow;
    if (r === 'always' || r === 'never') reopenWindow = r;
    else if (isPlainObject(r) && typeof r.days === 'number' && Number.isFinite(r.days) && r.days >= 0) reopenWindow = { days: r.days };
    else throw new JourneyConfigError('reopenWindow', 'must be "always", "never" or { days: number ≥ 0 }');
  }

  const replyWindowsMs: JourneyConfig['replyWindowsMs'] = {};
  if (p.replyWindowsMs !== undefined) {
    if (!isPlainObject(p.replyWindowsMs)) throw new JourneyConfigError('replyWindowsMs', 'must be an object of channel → ms or null');
    for (const [ch, v] of Object.entries(p.replyWindowsMs)) {
      if (!(CHANNELS as readonly string[]).includes(ch)) throw new JourneyConfigError(`replyWindowsMs.${ch}`, 'is not a known channel');
      if (v !== null && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
        throw new JourneyConfigError(`replyWindowsMs.${ch}`, 'must be a number of milliseconds ≥ 0 or null (unlimited)');
      }
      (replyWindowsMs as Record<string, number | null>)[ch] = v as number | null;
    }
  }

  let businessHours = d.businessHours;
  if (p.businessHours !== undefined) {
    if (!isPlainObject(p.businessHours)) throw new JourneyConfigError('businessHours', 'must be an object of tenant id → calendar');
    businessHours = p.businessHours as JourneyConfig['businessHours'];
  }

  const identityLimits = { ...d.identityLimits };
  if (p.identityLimits !== undefined) {
    if (!isPlainObject(p.identityLimits)) throw new JourneyConfigError('identityLimits', 'must be an object of identity type → limit');
    for (const [t, v] of Object.entries(p.identityLimits)) {
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new JourneyConfigError(`identityLimits.${t}`, 'must be an integer ≥ 1');
      identityLimits[t] = v;
    }
  }

  const churnSignals = cloneSignals(d.churnSignals);
  if (p.churnSignals !== undefined) {
    if (!isPlainObject(p.churnSignals)) throw new JourneyConfigError('churnSignals', 'must be an object of signal name → { weight, … }');
    for (const [name, sc] of Object.entries(p.churnSignals)) {
      if (sc === undefined) continue;
      if (!isPlainObject(sc)) throw new JourneyConfigError(`churnSignals.${name}`, 'must be an object');
      const merged: ChurnSignalConfig = { ...(churnSignals[name] ?? { weight: 1 }) };
      for (const [k, v] of Object.entries(sc)) {
        if (v === undefined) continue;
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new JourneyConfigError(`churnSignals.${name}.${k}`, 'must be a finite number');
        if (v < 0) throw new JourneyConfigError(`churnSignals.${name}.${k}`, 'must not be negative');
        if (k === 'halfLifeDays' && v === 0) throw new JourneyConfigError(`churnSignals.${name}.halfLifeDays`, 'must be positive');
        merged[k] = v;
      }
      churnSignals[name] = merged;
    }
  }

  let predictiveChurnPeriods = d.predictiveChurnPeriods;
  if (p.predictiveChurnPeriods !== undefined) {
    const v = p.predictiveChurnPeriods;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new JourneyConfigError('predictiveChurnPeriods', 'must be an integer ≥ 1');
    predictiveChurnPeriods = v;
  }

  return {
    reopenWindow,
    healthBands: resolveHealthBands(p.healthBands),
    triage: resolveTriagePoints(p.triage),
    replyWindowsMs,
    businessHours,
    identityLimits,
    sessionGapMs: positiveMs('sessionGapMs', p.sessionGapMs, d.sessionGapMs),
    funnelWindowMs: positiveMs('funnelWindowMs', p.funnelWindowMs, d.funnelWindowMs),
    sentimentHalfLifeMs: positiveMs('sentimentHalfLifeMs', p.sentimentHalfLifeMs, d.sentimentHalfLifeMs),
    preferredChannelWindowMs: positiveMs('preferredChannelWindowMs', p.preferredChannelWindowMs, d.preferredChannelWindowMs),
    churnSignals,
    predictiveChurnPeriods,
    ...operationsSettings(p),
  };
}

function finiteNumber(field: string, v: unknown, fallback: number, rule: (n: number) => boolean, reason: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !rule(v)) throw new JourneyConfigError(field, reason);
  return v;
}

function resolveHealthBands(v: unknown): HealthBandLimits {
  const d = DEFAULT_HEALTH_BANDS;
  if (v === undefined) return { ...d };
  if (!isPlainObject(v)) throw new JourneyConfigError('healthBands', 'must be an object { redMax, yellowMax }');
  const inRange = (n: number) => n >= 0 && n <= 100;
  const redMax = finiteNumber('healthBands.redMax', v.redMax, d.redMax, inRange, 'must be a number from 0 to 100');
  const yellowMax = finiteNumber('healthBands.yellowMax', v.yellowMax, d.yellowMax, inRange, 'must be a number from 0 to 100');
  if (yellowMax < redMax) throw new JourneyConfigError('healthBands.yellowMax', `must not be below healthBands.redMax (${redMax})`);
  return { redMax, yellowMax };
}

const POINT_KEYS = ['slaMissed', 'slaDueSoon', 'waitingPerHour', 'waitingMax', 'sentimentPerSeverity', 'publicExposure', 'healthRed', 'healthYellow'] as const;

function resolveTriagePoints(v: unknown): TriagePoints {
  const d = DEFAULT_TRIAGE_POINTS;
  const out: TriagePoints = { ...d, priority: { ...d.priority } };
  if (v === undefined) return out;
  if (!isPlainObject(v)) throw new JourneyConfigError('triage', 'must be an object of triage points');
  const known = new Set<string>(['priority', 'slaDueSoonMs', 'sentimentBelow', 'sentimentWindowMs', ...POINT_KEYS]);
  for (const k of Object.keys(v)) if (!known.has(k)) throw new JourneyConfigError(`triage.${k}`, 'is not a triage setting');
  const points = (n: number) => n >= 0;
  for (const k of POINT_KEYS) out[k] = finiteNumber(`triage.${k}`, v[k], d[k], points, 'must be a number ≥ 0');
  out.slaDueSoonMs = finiteNumber('triage.slaDueSoonMs', v.slaDueSoonMs, d.slaDueSoonMs, points, 'must be a number of milliseconds ≥ 0');
  out.sentimentWindowMs = finiteNumber('triage.sentimentWindowMs', v.sentimentWindowMs, d.sentimentWindowMs, (n) => n > 0, 'must be a positive number of milliseconds');
  out.sentimentBelow = finiteNumber('triage.sentimentBelow', v.sentimentBelow, d.sentimentBelow, (n) => n >= -1 && n <= 1, 'must be a sentiment score from -1 to 1');
  if (v.priority !== undefined) {
    if (!isPlainObject(v.priority)) throw new JourneyConfigError('triage.priority', 'must be an object { urgent, high, normal, low }');
    for (const k of Object.keys(v.priority)) {
      if (!(k in d.priority)) throw new JourneyConfigError(`triage.priority.${k}`, 'is not a case priority (urgent, high, normal, low)');
      out.priority[k as keyof TriagePoints['priority']] = finiteNumber(`triage.priority.${k}`, v.priority[k], d.priority[k as keyof TriagePoints['priority']], points, 'must be a number ≥ 0');
    }
  }
  return out;
}
// ---- operational views, part A of issue 20 (operations.md) ----

/** The operational views' settings of a partial configuration, defaults filled, validated. */
function operationsSettings(p: Record<string, unknown>): Pick<JourneyConfig, 'deflectionWindowMs' | 'costTable'> {
  const d = defaultJourneyConfig;
  let costTable: CostTable | null = d.costTable;
  if (p.costTable !== undefined && p.costTable !== null) {
    const t = p.costTable;
    if (!isPlainObject(t)) throw new JourneyConfigError('costTable', 'must be { currency, perTouchpoint: { <channel>: cost } } or null');
    if (typeof t.currency !== 'string' || t.currency.trim() === '') throw new JourneyConfigError('costTable.currency', 'must be a non-empty currency code');
    if (!isPlainObject(t.perTouchpoint)) throw new JourneyConfigError('costTable.perTouchpoint', 'must be an object of channel → cost');
    const perTouchpoint: CostTable['perTouchpoint'] = {};
    for (const [ch, v] of Object.entries(t.perTouchpoint)) {
      if (!(CHANNELS as readonly string[]).includes(ch)) throw new JourneyConfigError(`costTable.perTouchpoint.${ch}`, 'is not a known channel');
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new JourneyConfigError(`costTable.perTouchpoint.${ch}`, 'must be a finite cost ≥ 0');
      (perTouchpoint as Record<string, number>)[ch] = v;
    }
    costTable = { currency: t.currency, perTouchpoint };
  }
  return { deflectionWindowMs: positiveMs('deflectionWindowMs', p.deflectionWindowMs, d.deflectionWindowMs), costTable };
}
// ---- end of the operational views' settings ----
