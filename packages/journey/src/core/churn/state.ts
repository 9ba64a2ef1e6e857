import type { Channel, EventOf } from '@omnitrail/events';
import { TYPE_CODE } from '../customers/codes.js';
import type { CaseEffects, CustomerProjection, JourneyConfig, JourneyEvent } from '../model/index.js';

/** An event that triggered a signal, with its evidence. */
export interface SignalTrigger {
  at: number;
  evidence: string[];
  caseId?: string;
}

/** Per-customer facts the churn signals need beyond the timeline, surveys, sentiments and cases. */
export interface ChurnFacts {
  /** `OrderReturned` / `OrderCancelled`. */
  returnsCancels: SignalTrigger[];
  /** Whether any intent data was seen (a `BotTurn` with an intent, or a `SubscriptionCancelled`). */
  hasIntentData: boolean;
  /** `SubscriptionCancelled`, or a `BotTurn` whose intent names cancelling. */
  cancelIntents: SignalTrigger[];
  /** Ids of the customer's public mentions (`SocialMentionObserved`, or a customer event on `social_public`). */
  publicMentions: string[];
  /** A `SentimentScored` below the threshold that targets one of the public mentions. */
  negativeMentions: SignalTrigger[];
  /** Per open-ish case: the inbound channel runs of the last hours (latest instant of each run). */
  caseRuns: Map<string, { ch: Channel; at: number; id: string }[]> | null;
  /** A case seen on `channels`+ channels within `hours`. */
  hops: SignalTrigger[];
}

/** Intents that mean the customer wants to leave. */
const CANCEL_INTENT = /cancel|unsubscri|terminat|close[_ .-]?(my[_ .-]?)?account|churn|leav/i;

/** Empty facts. */
export function createChurnFacts(): ChurnFacts {
  return { returnsCancels: [], hasIntentData: false, cancelIntents: [], publicMentions: [], negativeMentions: [], caseRuns: null, hops: [] };
}

/** A deep copy. */
export function cloneChurnFacts(f: ChurnFacts): ChurnFacts {
  let caseRuns: ChurnFacts['caseRuns'] = null;
  if (f.caseRuns !== null) {
    caseRuns = new Map();
    for (const [k, v] of f.caseRuns) caseRuns.set(k, v.map((r) => ({ ...r })));
  }
  return {
    returnsCancels: f.returnsCancels.slice(),
    hasIntentData: f.hasIntentData,
    cancelIntents: f.cancelIntents.slice(),
    publicMentions: f.publicMentions.slice(),
    negativeMentions: f.negativeMentions.slice(),
    caseRuns,
    hops: f.hops.map((h) => ({ ...h })),
  };
}

const HOUR_MS = 3_600_000;

function threshold(config: JourneyConfig, signal: string, key: string, fallback: number): number {
  return config.churnSignals[signal]?.[key] ?? fallback;
}

type Run = { ch: Channel; at: number; id: string };

/** How many channels the runs cover. Runs are few, so scanning beats building a set per touchpoint. */
function distinctChannels(runs: readonly Run[]): number {
  let n = 0;
  for (let i = 0; i < runs.length; i++) if (firstOfChannel(runs, i)) n++;
  return n;
}

function firstOfChannel(runs: readonly Run[], i: number): boolean {
  const ch = runs[i]!.ch;
  for (let k = 0; k < i; k++) if (runs[k]!.ch === ch) return false;
  return true;
}

/** The latest event id of each channel, channels in order of first appearance (the hop's evidence). */
function latestPerChannel(runs: readonly Run[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < runs.length; i++) {
    if (!firstOfChannel(runs, i)) continue;
    const ch = runs[i]!.ch;
    let id = runs[i]!.id;
    for (let k = i + 1; k < runs.length; k++) if (runs[k]!.ch === ch) id = runs[k]!.id;
    out.push(id);
  }
  return out;
}

/** Folds one event, of type code `t` (`typeCode`), into the churn facts. */
export function applyChurnFacts(f: ChurnFacts, je: JourneyEvent, t: number, effects: CaseEffects, config: JourneyConfig): void {
  const e = je.event;
  switch (t) {
    case TYPE_CODE.OrderReturned:
    case TYPE_CODE.OrderCancelled:
      f.returnsCancels.push({ at: je.at, evidence: [e.id] });
      break;
    case TYPE_CODE.SubscriptionCancelled:
      f.hasIntentData = true;
      f.cancelIntents.push({ at: je.at, evidence: [e.id] });
      break;
    case TYPE_CODE.BotTurn: {
      const intent = (e as EventOf<'BotTurn'>).data.intent;
      if (intent !== undefined && intent !== '') {
        f.hasIntentData = true;
        if (CANCEL_INTENT.test(intent)) f.cancelIntents.push({ at: je.at, evidence: [e.id] });
      }
      break;
    }
    case TYPE_CODE.SocialMentionObserved:
      f.publicMentions.push(e.id);
      break;
    case TYPE_CODE.SentimentScored: {
      const d = (e as EventOf<'SentimentScored'>).data;
      const target = d.targetEventId;
      if (target !== undefined && d.score < threshold(config, 'negative_public_mention', 'threshold', 0) && f.publicMentions.includes(target)) {
        f.negativeMentions.push({ at: je.at, evidence: [target, e.id] });
      }
      break;
    }
    default:
      if (e.channel === 'social_public' && e.actor.kind === 'customer') f.publicMentions.push(e.id);
      break;
  }

  // channel hopping: inbound touchpoints that belong to a case
  const caseId = effects.caseId ?? effects.opened?.caseId;
  if (effects.closed === true && caseId !== undefined && f.caseRuns !== null) f.caseRuns.delete(caseId);
  if (caseId !== undefined && e.actor.kind === 'customer' && e.channel !== undefined) {
    const windowMs = threshold(config, 'channel_hopping', 'hours', 48) * HOUR_MS;
    const needed = threshold(config, 'channel_hopping', 'channels', 3);
    if (f.caseRuns === null) f.caseRuns = new Map();
    let runs = f.caseRuns.get(caseId);
    if (runs === undefined) {
      runs = [];
      f.caseRuns.set(caseId, runs);
    }
    const last = runs[runs.length - 1];
    // a run keeps the latest instant of consecutive touchpoints on one channel: that is enough to know
    // every channel present in any window that ends at a later touchpoint
    if (last !== undefined && last.ch === e.channel) {
      last.at = je.at;
      last.id = e.id;
    } else runs.push({ ch: e.channel, at: je.at, id: e.id });
    let drop = 0;
    while (drop < runs.length && je.at - runs[drop]!.at > windowMs) drop++;
    if (drop > 0) runs.splice(0, drop);
    if (distinctChannels(runs) >= needed) {
      const prev = f.hops[f.hops.length - 1];
      // one trigger per case per window: a continuing hop refreshes the latest trigger instead
      if (prev !== undefined && prev.caseId === caseId && je.at - prev.at <= windowMs) {
        prev.at = je.at;
        prev.evidence = latestPerChannel(runs);
      } else f.hops.push({ at: je.at, caseId, evidence: latestPerChannel(runs) });
    }
  }
}

/** The churn signals' facts as a per-customer standard projection, in the record's `churn` field (health reads them). */
export const churnFactsProjection: CustomerProjection<'churn', ChurnFacts> = {
  name: 'churn',
  key: 'churn',
  create: createChurnFacts,
  clone: cloneChurnFacts,
  apply: (rec, _pos, je, t, effects, _cases, config) => applyChurnFacts(rec.churn, je, t, effects, config),
};
