/** Every channel a touchpoint can happen on (domain.md, Channels). */
export const CHANNELS = [
  'email',
  'web_chat',
  'in_app_chat',
  'voice',
  'sms',
  'whatsapp',
  'messenger',
  'instagram_dm',
  'x_dm',
  'telegram',
  'social_public',
  'in_store',
  'web',
  'mobile_app',
  'knowledge_base',
  'chatbot',
  'marketplace',
  'api',
] as const;

/** A channel name. */
export type Channel = (typeof CHANNELS)[number];

const channelSet: ReadonlySet<string> = new Set(CHANNELS);

/** Whether a string is one of the known channels. */
export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && channelSet.has(value);
}

const HOUR_MS = 3_600_000;

/**
 * Default reply windows: how long after the customer's last inbound message a free-form reply may be sent.
 * `null` means unlimited. Tenants can override them.
 */
export const DEFAULT_REPLY_WINDOWS_MS: Readonly<Record<Channel, number | null>> = Object.freeze(
  Object.fromEntries(
    CHANNELS.map((c) => [c, c === 'whatsapp' || c === 'messenger' || c === 'instagram_dm' ? 24 * HOUR_MS : null]),
  ) as Record<Channel, number | null>,
);

/** The reply window of a channel, with optional per-tenant overrides; `null` when unlimited. */
export function replyWindowMs(
  channel: Channel,
  overrides?: Partial<Record<Channel, number | null>>,
): number | null {
  if (overrides && Object.prototype.hasOwnProperty.call(overrides, channel)) return overrides[channel] ?? null;
  return DEFAULT_REPLY_WINDOWS_MS[channel];
}
