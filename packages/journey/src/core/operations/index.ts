/**
 * The operational views (operations.md): what a support team works from. Each is one tenant-wide projection
 * (`TenantProjection`) in its folder, registered in `core/standard/registry.ts`; both drivers fold them and
 * the report shows them under `tenants.<id>.operations.<name>`. See docs/operations.md.
 */
export { slaProjection, type SlaSection, type SlaBreach, type SlaTargetFigures, type SlaTally } from './sla/index.js';
export { voiceProjection, type VoiceSection, type VoiceTally } from './voice/index.js';
export { callbacksProjection, NO_OPEN_CALLBACK, type CallbacksSection, type PendingCallback, type CallbacksTally } from './callbacks/index.js';
export { byChannelProjection, type ByChannelSection, type ChannelFigures, type ByChannelTally } from './by-channel/index.js';
export { selfServiceProjection, type SelfServiceSection, type SelfServiceTally } from './self-service/index.js';
export { contactDriversProjection, NO_TOPIC, type ContactDriversSection, type ContactDriver, type ContactDriversTally } from './contact-drivers/index.js';
export { agentsProjection, type AgentsSection, type AgentFigures, type AgentsTally } from './agents/index.js';
export { marketplacesProjection, UNNAMED_MARKETPLACE, type MarketplacesSection, type MarketplaceFigures, type MarketplacesTally } from './marketplaces/index.js';
export { stageChannelsProjection, type StageChannelsSection } from './stage-channels/index.js';
export { costsProjection, type CostsSection, type CostsTally } from './costs/index.js';

import type { AgentsSection } from './agents/index.js';
import type { ByChannelSection } from './by-channel/index.js';
import type { CallbacksSection } from './callbacks/index.js';
import type { ContactDriversSection } from './contact-drivers/index.js';
import type { CostsSection } from './costs/index.js';
import type { MarketplacesSection } from './marketplaces/index.js';
import type { SelfServiceSection } from './self-service/index.js';
import type { SlaSection } from './sla/index.js';
import type { StageChannelsSection } from './stage-channels/index.js';
import type { VoiceSection } from './voice/index.js';

/** Each operational view's section type by its name (`tenants.<id>.operations.<name>`). */
export interface OperationsSections {
  sla: SlaSection;
  voice: VoiceSection;
  callbacks: CallbacksSection;
  byChannel: ByChannelSection;
  selfService: SelfServiceSection;
  contactDrivers: ContactDriversSection;
  agents: AgentsSection;
  marketplaces: MarketplacesSection;
  stageChannels: StageChannelsSection;
  costs: CostsSection;
}

/** The name of an operational view. */
export type OperationsViewName = keyof OperationsSections;
