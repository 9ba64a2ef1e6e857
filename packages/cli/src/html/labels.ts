import { CHANNELS } from '@omnitrail/events';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CHANNEL_LABELS: Readonly<Record<string, string>> = {
  email: 'Email',
  web_chat: 'Web chat',
  in_app_chat: 'In-app chat',
  voice: 'Voice',
  sms: 'SMS',
  whatsapp: 'WhatsApp',
  messenger: 'Messenger',
  instagram_dm: 'Instagram DM',
  x_dm: 'X DM',
  telegram: 'Telegram',
  social_public: 'Public social post',
  in_store: 'In store',
  web: 'Website',
  mobile_app: 'Mobile app',
  knowledge_base: 'Knowledge base',
  chatbot: 'Chatbot',
  marketplace: 'Marketplace',
  api: 'API',
};

/** A snake_case or camelCase name as words with a capital first letter (`pending_customer` → `Pending customer`). */
export function humanLabel(name: string): string {
  const words = name.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, (_m, a: string, b: string) => `${a} ${b.toLowerCase()}`).trim();
  return words.length === 0 ? name : words[0]!.toUpperCase() + words.slice(1);
}

/** A channel's name for people (`web_chat` → `Web chat`); an unknown channel gets {@link humanLabel}. */
export function channelLabel(channel: string): string {
  return CHANNEL_LABELS[channel] ?? humanLabel(channel);
}

// One colour per channel of the channel list (18 of these 20 hues, in pairs of a dark and a light shade):
// a channel looks the same in every chart and tenant, and no two channels share a colour.
const CHANNEL_PALETTE = ['#4e79a7', '#a0cbe8', '#f28e2b', '#ffbe7d', '#59a14f', '#8cd17d', '#b6992d', '#f1ce63', '#499894', '#86bcb6', '#e15759', '#ff9d9a', '#79706e', '#bab0ac', '#d37295', '#fabfd2', '#b07aa1', '#d4a6c8', '#9d7660', '#d7b5a6'];

/** The colour of a channel: fixed by its place in the channel list, so a channel looks the same in every chart and tenant. */
export function channelColor(channel: string): string {
  const i = (CHANNELS as readonly string[]).indexOf(channel);
  if (i >= 0) return CHANNEL_PALETTE[i % CHANNEL_PALETTE.length]!;
  let h = 0;
  for (let k = 0; k < channel.length; k++) h = (h * 31 + channel.charCodeAt(k)) >>> 0;
  return CHANNEL_PALETTE[h % CHANNEL_PALETTE.length]!;
}

/** Journey stages in one hue from light to dark: an order in time, not a judgement. */
export const STAGE_COLORS: Readonly<Record<string, string>> = { awareness: '#9ecae1', consideration: '#6baed6', purchase: '#3182bd', post_sale_support: '#08519c' };

/** Health bands: these do mean good and bad, so they keep traffic-light colours (with text labels beside them). */
export const HEALTH_COLORS: Readonly<Record<string, string>> = { red: '#c9485b', yellow: '#d9a933', green: '#3aa57a', na: '#b0b0b0' };

/** Case statuses: neutral hues, grouped (waiting on us in blues, paused in sand, done in greys). */
export const STATUS_COLORS: Readonly<Record<string, string>> = { bot: '#8c6bb1', open: '#3182bd', pending_customer: '#c9a66b', on_hold: '#b5835a', snoozed: '#6baed6', resolved: '#7f7f7f', closed: '#a6a6a6', merged: '#cfcfcf' };

/** A number for people: thousands separated, at most two decimals. */
export function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** A share (0-1) or a percentage as text; `null` as a dash. */
export function rate(value: number | null | undefined, percent = false): string {
  if (value === null || value === undefined) return '—';
  return percent ? `${value.toFixed(1)} %` : `${(value * 100).toFixed(1)} %`;
}

/** A time unit for an axis or a label. */
export interface DurationUnit {
  name: 'min' | 'h' | 'd';
  ms: number;
}

/** The unit that suits durations up to `maxMs`: minutes under 2 h, hours under 3 days, else days. */
export function durationUnit(maxMs: number): DurationUnit {
  if (maxMs < 2 * 3_600_000) return { name: 'min', ms: 60_000 };
  if (maxMs < 72 * 3_600_000) return { name: 'h', ms: 3_600_000 };
  return { name: 'd', ms: 86_400_000 };
}

/** A duration in the unit that suits it (`45 min`, `3.3 h`, `2.1 d`); `null` as a dash. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const u = durationUnit(ms);
  const v = ms / u.ms;
  return `${v < 10 && u.name !== 'min' ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')} ${u.name}`;
}

/** An ISO instant as `2024-03-04 10:00` (UTC), for tables. */
export function formatInstant(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}
