import { WebhookSettings } from '../../contracts/index.js';
import type { Clock } from '../../lib/clock.js';
import { compileValidator } from '../../lib/validator.js';
import { secretMask, type ChannelConfigurator } from '../channel-config-service.js';
import type { ChannelRegistry } from '../registry.js';
import { WebhookAdapter } from './webhook-adapter.js';

const validateWebhook = compileValidator(WebhookSettings);

/** The webhook channel's settings: the receiver's URL (every webhook message goes there) and the signing secret. */
export function webhookConfigurator(registry: ChannelRegistry, clock: Clock): ChannelConfigurator {
  return {
    channel: 'webhook',
    provider: 'webhook',
    validate: (settings) => validateWebhook(settings, 'settings.'),
    redact: (settings) => ({ ...settings, secret: secretMask }),
    build(settings) {
      const { url, secret } = settings as WebhookSettings;
      registry.registerRecipients('webhook', async () => ({ channel: 'webhook', url }));
      return new WebhookAdapter({ secret, clock });
    },
  };
}
