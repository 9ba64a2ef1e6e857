// The customer fold: the timeline, the facts, then every per-customer projection of the registry. Shared by
// applyCustomerEvent (the live engine) and the batch fold, which sizes the timeline arrays itself.
import type { EventOf } from '@omnitrail/events';
import type { CaseEffects, CaseLookup, CustomerProjection, JourneyConfig, JourneyEvent, UnthreadedCandidate } from '../model/index.js';
import { packTypedCode, typeCode, TYPE_CODE } from './codes.js';
import type { CustomerRecord, SentimentFact } from './record.js';
import { CUSTOMER_PROJECTIONS } from './registry.js';

// The registry as one array of one type: the loop below is a call per projection, not a type check.
const PROJECTIONS = CUSTOMER_PROJECTIONS as unknown as readonly CustomerProjection<string, unknown>[];

/**
 * Folds one event into its customer's record: timeline at `pos`, facts, then each projection of `CUSTOMER_PROJECTIONS` in order.
 * `pos` is `rec.ids.length` (append) or, when the caller sized the timeline arrays in advance (a batch fold
 * knows each customer's event count: no array growth), the next free position. `unthreaded`: see
 * `applyJourneyEvent`.
 */
export function applyCustomerEventAt(
  rec: CustomerRecord,
  pos: number,
  je: JourneyEvent,
  effects: CaseEffects,
  cases: CaseLookup,
  config: JourneyConfig,
  unthreaded?: readonly UnthreadedCandidate[],
): void {
  const e = je.event;
  // The type is mapped to its code once here and passed down to every sub-fold.
  const t = typeCode(e.type);
  rec.ids[pos] = e.id;
  rec.ats[pos] = je.at;
  rec.codes[pos] = packTypedCode(t, e.channel, e.actor.kind);

  switch (t) {
    case TYPE_CODE.SurveyAnswered: {
      const d = (e as EventOf<'SurveyAnswered'>).data;
      rec.surveys.push({ id: e.id, at: je.at, kind: d.kind, score: d.score });
      break;
    }
    case TYPE_CODE.SurveySent:
      if ((e as EventOf<'SurveySent'>).data.kind === 'csat') rec.csatSentAts.push(je.at);
      break;
    case TYPE_CODE.SentimentScored: {
      const d = (e as EventOf<'SentimentScored'>).data;
      const s: SentimentFact = { id: e.id, at: je.at, score: d.score };
      if (d.severity !== undefined) s.severity = d.severity;
      if (d.targetEventId !== undefined) s.targetEventId = d.targetEventId;
      rec.sentiments.push(s);
      break;
    }
    case TYPE_CODE.CustomerChurned:
      if (rec.firstChurnAt === null) rec.firstChurnAt = je.at;
      break;
    default:
      break;
  }

  const record = rec as unknown as Parameters<CustomerProjection<string, unknown>['apply']>[0];
  for (let i = 0; i < PROJECTIONS.length; i++) PROJECTIONS[i]!.apply(record, pos, je, t, effects, cases, config, unthreaded);
}
