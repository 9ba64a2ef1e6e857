// Shared by the schema path and the fast path, which must build exactly the same events.

/**
 * Builds the event object. By default an absent optional field is left out, so the object reads as the
 * input did. With `uniform`, every envelope key is present in one order (`undefined` when absent): all such
 * events share one hidden class, so code reading their fields stays monomorphic, where the default's
 * presence combinations (eight in a typical workload) make every property read a megamorphic lookup.
 * Both forms are equal as JSON. Positional arguments rather than an object of parts: the fast path calls
 * this once per event, and a parts object would be one more allocation wherever the call is not inlined.
 */
export function buildEvent(
  uniform: boolean,
  id: unknown,
  type: unknown,
  schemaVersion: number,
  tenantId: unknown,
  occurredAt: unknown,
  customerId: unknown,
  identities: unknown,
  channel: unknown,
  caseId: unknown,
  actor: unknown,
  correlationId: unknown,
  causationId: unknown,
  source: unknown,
  data: unknown,
): Record<string, unknown> {
  if (uniform) {
    return { id, type, schemaVersion, tenantId, occurredAt, customerId, identities, channel, caseId, actor, correlationId, causationId, source, data };
  }
  const event: Record<string, unknown> = { id, type, schemaVersion, tenantId, occurredAt };
  if (customerId !== undefined) event.customerId = customerId;
  if (identities !== undefined) event.identities = identities;
  if (channel !== undefined) event.channel = channel;
  if (caseId !== undefined) event.caseId = caseId;
  event.actor = actor;
  if (correlationId !== undefined) event.correlationId = correlationId;
  if (causationId !== undefined) event.causationId = causationId;
  if (source !== undefined) event.source = source;
  event.data = data;
  return event;
}
