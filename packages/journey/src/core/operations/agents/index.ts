import type { EventOf } from '@omnitrail/events';
import type { TenantProjection } from '../../model/index.js';
import type { DurationStats } from '../../report/types.js';
import { durationStats } from '../../stats/index.js';
import { compareText, define, inPeriod, routedCaseId, sortedRecord } from '../period.js';

/** Something an agent did at an instant (`value`: a first response's duration, a csat answer's 1 when good). */
interface AgentFact {
  agentId: string;
  at: number;
  value: number;
}

/** What the view keeps: the agents' facts, and per case who answers for it now. */
export interface AgentsState {
  replies: AgentFact[];
  firstResponses: AgentFact[];
  resolved: AgentFact[];
  assignments: AgentFact[];
  csat: AgentFact[];
  /** Per case: the latest agent it was assigned to, and the latest agent who replied in public. */
  current: Map<string, { assigned: string | undefined; replied: string | undefined }>;
  /** Cases whose first response was noted. */
  firstResponded: Set<string>;
}

/** One agent before statistics. */
export interface AgentTally {
  replies: number;
  firstResponseMs: number[];
  resolved: number;
  csatAnswers: number;
  csatGood: number;
  /** Assignments in the period (an agent only assigned still has a row). */
  assigned: number;
}

/** The `agents` view before statistics, per agent id (keys sorted). */
export type AgentsTally = Record<string, AgentTally>;

/** One agent's row (operations.md, agents). */
export interface AgentFigures {
  agentId: string;
  replies: number;
  firstResponses: number;
  firstResponseMs: DurationStats;
  resolved: number;
  csat: { answers: number; percent: number | null };
}

/** The `operations.agents` section: agents with anything in the period, sorted by id. */
export type AgentsSection = AgentFigures[];

const emptyAgent = (): AgentTally => ({ replies: 0, firstResponseMs: [], resolved: 0, csatAnswers: 0, csatGood: 0, assigned: 0 });

function agentOf(t: AgentsTally, agentId: string): AgentTally {
  if (!Object.prototype.hasOwnProperty.call(t, agentId)) define(t, agentId, emptyAgent());
  return t[agentId]!;
}

function agentIn(t: Map<string, AgentTally>, agentId: string): AgentTally {
  let row = t.get(agentId);
  if (row === undefined) t.set(agentId, (row = emptyAgent()));
  return row;
}

function currentOf(state: AgentsState, caseId: string): { assigned: string | undefined; replied: string | undefined } {
  let c = state.current.get(caseId);
  if (c === undefined) state.current.set(caseId, (c = { assigned: undefined, replied: undefined }));
  return c;
}

/**
 * The team's agents (operations.md, agents), by the `actor.id` of their public replies and resolutions and by
 * the agent a case is assigned to: replies, first responses and their times, resolutions, and the csat
 * answers about the cases each answered for at the answer's instant (the latest agent assigned, else the
 * latest agent who replied in public).
 */
export const agentsProjection: TenantProjection<AgentsState, AgentsTally, AgentsSection> = {
  name: 'agents',
  create: () => ({ replies: [], firstResponses: [], resolved: [], assignments: [], csat: [], current: new Map(), firstResponded: new Set() }),
  clone: (s) => ({
    replies: s.replies.slice(),
    firstResponses: s.firstResponses.slice(),
    resolved: s.resolved.slice(),
    assignments: s.assignments.slice(),
    csat: s.csat.slice(),
    current: new Map([...s.current].map(([k, v]) => [k, { ...v }])),
    firstResponded: new Set(s.firstResponded),
  }),
  apply(state, je, effects, cases) {
    const e = je.event;
    const agentId = e.actor.id;
    const caseId = effects.caseId;
    if (effects.agentReply === true && caseId !== undefined && agentId !== undefined) {
      state.replies.push({ agentId, at: je.at, value: 0 });
      currentOf(state, caseId).replied = agentId;
      const c = cases.getCase(caseId);
      // The reply that gave the case its first response (at most one per case).
      if (c !== undefined && c.firstResponseAt === je.at && c.firstResponseClockStart !== null && !state.firstResponded.has(caseId)) {
        state.firstResponded.add(caseId);
        state.firstResponses.push({ agentId, at: je.at, value: je.at - c.firstResponseClockStart });
      }
      return;
    }
    if (effects.resolved === true && e.actor.kind === 'agent' && agentId !== undefined) {
      state.resolved.push({ agentId, at: je.at, value: 0 });
      return;
    }
    if (e.type === 'CaseAssigned' && caseId !== undefined) {
      const d = (e as EventOf<'CaseAssigned'>).data;
      if (d.assigneeKind !== 'agent') return;
      currentOf(state, caseId).assigned = d.assigneeId;
      state.assignments.push({ agentId: d.assigneeId, at: je.at, value: 0 });
      return;
    }
    if (e.type === 'SurveyAnswered' && e.caseId !== undefined) {
      const d = (e as EventOf<'SurveyAnswered'>).data;
      if (d.kind !== 'csat') return;
      // Answers about a closed case get no effects from the cases projection: route the id here.
      const current = state.current.get(caseId ?? routedCaseId(cases, e.caseId));
      const agent = current?.assigned ?? current?.replied;
      if (agent !== undefined) state.csat.push({ agentId: agent, at: je.at, value: d.score >= 4 ? 1 : 0 });
    }
  },
  tally(state, window) {
    const t = new Map<string, AgentTally>();
    for (const f of state.replies) if (inPeriod(f.at, window)) agentIn(t, f.agentId).replies++;
    for (const f of state.firstResponses) if (inPeriod(f.at, window)) agentIn(t, f.agentId).firstResponseMs.push(f.value);
    for (const f of state.resolved) if (inPeriod(f.at, window)) agentIn(t, f.agentId).resolved++;
    for (const f of state.assignments) if (inPeriod(f.at, window)) agentIn(t, f.agentId).assigned++;
    for (const f of state.csat) {
      if (!inPeriod(f.at, window)) continue;
      const row = agentIn(t, f.agentId);
      row.csatAnswers++;
      row.csatGood += f.value;
    }
    const out: AgentsTally = {};
    for (const agentId of [...t.keys()].sort(compareText)) define(out, agentId, t.get(agentId)!);
    return out;
  },
  mergeTallies(a, b) {
    const out: AgentsTally = {};
    for (const part of [a, b]) {
      for (const [agentId, r] of Object.entries(part)) {
        const row = agentOf(out, agentId);
        row.replies += r.replies;
        row.firstResponseMs.push(...r.firstResponseMs);
        row.resolved += r.resolved;
        row.csatAnswers += r.csatAnswers;
        row.csatGood += r.csatGood;
        row.assigned += r.assigned;
      }
    }
    return sortedRecord(out);
  },
  section: (t) =>
    Object.keys(t)
      .sort(compareText)
      .map((agentId) => {
        const r = t[agentId]!;
        return {
          agentId,
          replies: r.replies,
          firstResponses: r.firstResponseMs.length,
          firstResponseMs: durationStats(r.firstResponseMs),
          resolved: r.resolved,
          csat: { answers: r.csatAnswers, percent: r.csatAnswers === 0 ? null : (r.csatGood / r.csatAnswers) * 100 },
        };
      }),
};

