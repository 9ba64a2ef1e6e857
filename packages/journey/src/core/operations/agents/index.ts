import type { EventOf } from '@omnitrail/events';
import { appendFactRow, copyFactTable, createFactTable, factChunks, type FactTable } from '../../facts/index.js';
import type { TenantProjection } from '../../model/index.js';
import type { DurationStats } from '../../report/types.js';
import { durationStats } from '../../stats/index.js';
import { compareText, define, inPeriod, routedCaseId, sortedRecord } from '../period.js';

/**
 * What agents did, as columns (one object per agent reply would weigh on long replays): the agent, the
 * instant, and a value (a first response's duration, a csat answer's 1 when good, else 0). In chunks that
 * copies of the state share (../../facts).
 */
type AgentFacts = FactTable<{ agentId: string[]; at: number[]; value: number[] }>;

const noFacts = (): AgentFacts => createFactTable({ agentId: [], at: [], value: [] });
function note(f: AgentFacts, agentId: string, at: number, value = 0): void {
  const row = appendFactRow(f);
  row.agentId.push(agentId);
  row.at.push(at);
  row.value.push(value);
}

/** What the view keeps: the agents' facts, and per case who answers for it now. */
export interface AgentsState {
  replies: AgentFacts;
  firstResponses: AgentFacts;
  resolved: AgentFacts;
  assignments: AgentFacts;
  csat: AgentFacts;
  /**
   * Per case: the latest agent it was assigned to, and the latest agent who replied in public. Entries are
   * replaced, never changed, so a copy of the state copies the map's pointers only.
   */
  current: Map<string, { readonly assigned: string | undefined; readonly replied: string | undefined }>;
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

/** Sets who answers for a case now: the agent assigned, or the latest who replied in public. */
function setCurrent(state: AgentsState, caseId: string, change: { assigned: string } | { replied: string }): void {
  const c = state.current.get(caseId);
  state.current.set(caseId, { assigned: c?.assigned, replied: c?.replied, ...change });
}

/**
 * The team's agents (operations.md, agents), by the `actor.id` of their public replies and resolutions and by
 * the agent a case is assigned to: replies, first responses and their times, resolutions, and the csat
 * answers about the cases each answered for at the answer's instant (the latest agent assigned, else the
 * latest agent who replied in public).
 */
export const agentsProjection: TenantProjection<AgentsState, AgentsTally, AgentsSection> = {
  name: 'agents',
  create: () => ({ replies: noFacts(), firstResponses: noFacts(), resolved: noFacts(), assignments: noFacts(), csat: noFacts(), current: new Map(), firstResponded: new Set() }),
  clone: (s) => ({
    replies: copyFactTable(s.replies),
    firstResponses: copyFactTable(s.firstResponses),
    resolved: copyFactTable(s.resolved),
    assignments: copyFactTable(s.assignments),
    csat: copyFactTable(s.csat),
    current: new Map(s.current),
    firstResponded: new Set(s.firstResponded),
  }),
  apply(state, je, effects, cases) {
    const e = je.event;
    const caseId = effects.caseId;
    // The actor is read only for replies and resolutions: it is another object per event, and reading it for
    // every event cost the batch fold a cache miss each.
    if (effects.agentReply === true) {
      const agentId = e.actor.id;
      if (caseId === undefined || agentId === undefined) return;
      note(state.replies, agentId, je.at);
      setCurrent(state, caseId, { replied: agentId });
      const c = cases.getCase(caseId);
      // The reply that gave the case its first response (at most one per case).
      if (c !== undefined && c.firstResponseAt === je.at && c.firstResponseClockStart !== null && !state.firstResponded.has(caseId)) {
        state.firstResponded.add(caseId);
        note(state.firstResponses, agentId, je.at, je.at - c.firstResponseClockStart);
      }
      return;
    }
    if (effects.resolved === true) {
      const actor = e.actor;
      if (actor.kind === 'agent' && actor.id !== undefined) note(state.resolved, actor.id, je.at);
      return;
    }
    const type = e.type;
    if (type === 'CaseAssigned' && caseId !== undefined) {
      const d = (e as EventOf<'CaseAssigned'>).data;
      if (d.assigneeKind !== 'agent') return;
      setCurrent(state, caseId, { assigned: d.assigneeId });
      note(state.assignments, d.assigneeId, je.at);
      return;
    }
    if (type === 'SurveyAnswered' && e.caseId !== undefined) {
      const d = (e as EventOf<'SurveyAnswered'>).data;
      if (d.kind !== 'csat') return;
      // Answers about a closed case get no effects from the cases projection: route the id here.
      const current = state.current.get(caseId ?? routedCaseId(cases, e.caseId));
      const agent = current?.assigned ?? current?.replied;
      if (agent !== undefined) note(state.csat, agent, je.at, d.score >= 4 ? 1 : 0);
    }
  },
  tally(state, window) {
    const t = new Map<string, AgentTally>();
    const each = (f: AgentFacts, add: (row: AgentTally, value: number) => void): void => {
      for (const { agentId, at, value } of factChunks(f)) for (let i = 0; i < at.length; i++) if (inPeriod(at[i]!, window)) add(agentIn(t, agentId[i]!), value[i]!);
    };
    each(state.replies, (row) => row.replies++);
    each(state.firstResponses, (row, ms) => row.firstResponseMs.push(ms));
    each(state.resolved, (row) => row.resolved++);
    each(state.assignments, (row) => row.assigned++);
    each(state.csat, (row, good) => {
      row.csatAnswers++;
      row.csatGood += good;
    });
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

