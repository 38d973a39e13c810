/**
 * Contracts: the schemas of everything that crosses a boundary (HTTP bodies,
 * log messages, stored records). One TypeBox definition gives the runtime
 * validator, the TypeScript type and the OpenAPI entry. The console imports
 * only from here.
 */
export * from './channels.js';
export * from './channel-settings.js';
export * from './common.js';
export * from './computed-traits.js';
export * from './consent.js';
export * from './delivery.js';
export * from './events.js';
export * from './imports.js';
export * from './inbox.js';
export * from './journey-views.js';
export * from './journeys.js';
export * from './policies.js';
export * from './privacy.js';
export * from './profiles.js';
export * from './push.js';
export * from './rejections.js';
export * from './segments.js';
export * from './sources.js';
export * from './suppressions.js';
export * from './templates.js';
export * from './tracking.js';
export * from './tracking-plans.js';
export * from './unify-config.js';
export * from './webhooks.js';
