import { join } from 'node:path';
import { InAppAdapter } from '../channels/inbox/in-app-adapter.js';
import { InboxService } from '../channels/inbox/inbox-service.js';
import { PushSubscriptions } from '../channels/push/push-subscriptions.js';
import { WebPushAdapter } from '../channels/push/push-adapter.js';
import { loadVapidKeys } from '../channels/push/vapid-keys.js';
import { smsConfigurator } from '../channels/sms/sms-configurator.js';
import { SmsStatusCallbacks } from '../channels/sms/status-callbacks.js';
import { WebhookDeadLetters } from '../channels/webhook/dead-letters.js';
import { webhookConfigurator } from '../channels/webhook/webhook-configurator.js';
import { EngagementRecorder, type ChannelRegistry, type PersonReader } from '../channels/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { EventLog, OperationalStore } from '../store/index.js';
import type { Config } from './config.js';

export interface ChannelEndpointParts {
  readonly config: Config;
  readonly state: OperationalStore;
  readonly log: Pick<EventLog, 'append'>;
  readonly registry: ChannelRegistry;
  readonly people: PersonReader;
  /** The source of the messages Tessera writes about people. */
  readonly internalSourceId: string;
  /** Wakes the dispatcher (a replayed dead letter is due at once). */
  readonly notifyDispatcher: () => void;
  readonly publicUrl: () => string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The channels beyond email and what people's apps and providers call:
 * push (VAPID keys from the environment or the data dir, subscriptions),
 * the in-app inbox, SMS and webhook configuration, SMS status callbacks and
 * the webhook dead letters. Push and in-app need no provider settings, so
 * their adapters are registered at once.
 */
export async function buildChannelEndpoints(parts: ChannelEndpointParts) {
  const { config, state, registry, clock } = parts;
  const vapid = await loadVapidKeys(join(config.dataDir, 'vapid-keys.json'), {
    publicKey: config.vapidPublicKey,
    privateKey: config.vapidPrivateKey,
    subject: config.vapidSubject,
  });
  const push = new PushSubscriptions({
    store: state.pushSubscriptions,
    announce: async (messages) => {
      await parts.log.append(
        messages.map((message) => ({ partitionKey: message.userId ?? message.anonymousId ?? message.messageId, dedupeKey: `${message.sourceId}:${message.messageId}`, message })),
      );
    },
    clock,
  });
  return {
    push,
    vapidPublicKey: vapid.publicKey,
    inbox: new InboxService(state.inbox, state.identity, clock),
    deadLetters: new WebhookDeadLetters({ store: state.webhookDeadLetters, deliveries: state.deliveries, notify: parts.notifyDispatcher, clock }),
    smsStatus: new SmsStatusCallbacks({
      registry,
      deliveries: state.deliveries,
      recorder: new EngagementRecorder({ log: parts.log, internalSourceId: parts.internalSourceId, clock }),
      people: parts.people,
      logger: parts.logger,
    }),
    /** The base URL providers reach this server at. */
    publicUrl: parts.publicUrl,
    configurators: [smsConfigurator({ clock, publicUrl: parts.publicUrl }), webhookConfigurator(registry, clock)],
    /** Erasure: the person's inbox, push subscriptions and outbox entries (which hold their addresses) go with them. */
    async forget(profileIds: readonly string[], identifierKeys: readonly string[]): Promise<void> {
      await state.inbox.removeOf(profileIds);
      await push.forget(identifierKeys);
      await state.deliveries.removeOf(profileIds);
    },
    /** Registers the channels that need no provider settings. */
    async start(): Promise<void> {
      await registry.register(new WebPushAdapter({ vapid, subscriptions: state.pushSubscriptions, clock }));
      // Of several browsers, the one subscribed last gets the message.
      registry.registerRecipients('push', async (profile) => {
        const subscription = (await push.ofIdentifiers(profile.identifiers)).at(-1);
        return subscription && { channel: 'push', subscription };
      });
      await registry.register(new InAppAdapter(state.inbox, clock));
    },
  };
}

export type ChannelEndpoints = Awaited<ReturnType<typeof buildChannelEndpoints>>;
