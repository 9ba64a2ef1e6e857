/** An event as an importer writes it: the NDJSON envelope (validated later by `parseEvent`). */
export interface InputEvent {
  id: string;
  type: string;
  tenantId: string;
  occurredAt: string;
  customerId?: string;
  identities?: { type: string; value: string; verified?: boolean }[];
  channel?: string;
  caseId?: string;
  actor?: { kind: string; id?: string };
  source?: { system: string; externalId: string };
  data: Record<string, unknown>;
}
