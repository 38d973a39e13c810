/**
 * Channels: how journey sends reach people and how their reactions come back.
 * Each send has an outbox entry (created with it, see store/delivery-store.ts)
 * that the dispatcher delivers through the channel's adapter (adapter.ts,
 * registry.ts), once per attempt even across crashes, with per-provider rate
 * limits and backoff. Templates (LiquidJS) are rendered per person and locale;
 * engagement (sent, opened, clicked, bounced, unsubscribed...) goes back into
 * the log as events, never as calls into earlier stages.
 */
export type { ChannelAdapter, DeliveryOutcome, OutgoingMessage, Recipient, RenderedContent, MessageOrigin, PushSubscription } from './adapter.js';
export { ChannelConfigService, emailConfigurator, redactUrlPassword, secretMask, type ChannelConfigurator } from './channel-config-service.js';
export { defaultBackoff, retryDelayMs, type BackoffPolicy } from './delivery/backoff.js';
export { MessageComposer } from './delivery/composer.js';
export { DeliveryDispatcher, interruptedReason } from './delivery/dispatcher.js';
export { ProviderLimits, TokenBucket } from './delivery/token-bucket.js';
export { SmtpAdapter, classifySmtpError } from './email/smtp-adapter.js';
export { EngagementService, type ProviderReport } from './engagement/engagement-service.js';
export { EngagementRecorder } from './engagement/recorder.js';
export { LinkSigner } from './engagement/signed-links.js';
export type { Person, PersonReader } from './person.js';
export { ChannelRegistry, type RecipientLookup, type RecipientProfile } from './registry.js';
export { reservedTraits } from './templates/scope.js';
export { TemplateService } from './templates/template-service.js';
