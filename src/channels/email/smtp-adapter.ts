import { createHash } from 'node:crypto';
import { createTransport, type Transporter } from 'nodemailer';
import type { EmailSettings } from '../../contracts/index.js';
import type { ChannelAdapter, DeliveryOutcome, OutgoingMessage } from '../adapter.js';

/** An SMTP error as nodemailer reports it: the server's reply code, or a connection-level code. */
interface SmtpError {
  readonly message?: string;
  readonly code?: string;
  readonly responseCode?: number;
  readonly response?: string;
}

/**
 * Classifies an SMTP failure: a 5xx reply is permanent and, for the
 * recipient, a hard bounce; a 4xx reply, a timeout or a dropped connection is
 * worth another try. Authentication failures are permanent for this message
 * but say nothing about the address.
 */
export function classifySmtpError(error: SmtpError): DeliveryOutcome {
  const reason = (error.response ?? error.message ?? 'SMTP error').slice(0, 500);
  if (error.code === 'EAUTH') return { kind: 'permanent', reason: `SMTP authentication failed: ${reason}` };
  if (error.responseCode !== undefined && error.responseCode >= 500) return { kind: 'permanent', reason, bounce: 'hard' };
  return { kind: 'transient', reason };
}

/** A Message-ID made from the delivery id: the same for every attempt of one outbox entry. */
export const messageIdOf = (deliveryId: string, fromAddress: string): string =>
  `<${createHash('sha256').update(deliveryId).digest('hex').slice(0, 32)}@${fromAddress.split('@')[1] ?? 'tessera.local'}>`;

/**
 * Email over SMTP with nodemailer (pooled connections): HTML and plain-text
 * parts, the sender identity from the settings, and RFC 8058 one-click
 * unsubscribe headers when the message has an unsubscribe URL. SMTP has no
 * idempotency key, so an attempt interrupted by a crash is not made again.
 */
export class SmtpAdapter implements ChannelAdapter {
  readonly channel = 'email' as const;
  readonly provider = 'smtp';
  readonly idempotent = false;
  readonly #settings: EmailSettings;
  readonly #transport: Transporter;

  constructor(settings: EmailSettings) {
    this.#settings = settings;
    this.#transport = createTransport({
      url: settings.smtpUrl,
      pool: true,
      maxConnections: 4,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
      // A local catcher or relay (the demo, tests) offers no valid certificate; TLS is still used when offered.
      tls: { rejectUnauthorized: !/@?(localhost|127\.0\.0\.1)(:\d+)?\/?$/.test(settings.smtpUrl) },
    });
  }

  async send(message: OutgoingMessage): Promise<DeliveryOutcome> {
    if (message.recipient.channel !== 'email') return { kind: 'permanent', reason: `the SMTP adapter cannot reach a ${message.recipient.channel} recipient` };
    const unsubscribe = message.unsubscribeUrl;
    try {
      const info = (await this.#transport.sendMail({
        from: this.#sender(message),
        to: message.recipient.email,
        ...(this.#settings.replyTo !== undefined && { replyTo: this.#settings.replyTo }),
        subject: message.content.subject ?? '',
        text: message.content.text,
        ...(message.content.html !== undefined && { html: message.content.html }),
        messageId: messageIdOf(message.deliveryId, message.content.from?.address ?? this.#settings.fromAddress),
        headers: {
          'X-Tessera-Delivery': message.deliveryId,
          ...(unsubscribe !== undefined && { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }),
        },
      })) as { messageId?: string };
      return { kind: 'sent', providerMessageId: info.messageId };
    } catch (error) {
      return classifySmtpError(error as SmtpError);
    }
  }

  /** The template's sender when it has one (a brand's identity), else the channel's. */
  #sender(message: OutgoingMessage): string | { name: string; address: string } {
    const own = message.content.from;
    const address = own?.address ?? this.#settings.fromAddress;
    const name = own === undefined ? this.#settings.fromName : own.name;
    return name === undefined ? address : { name, address };
  }

  async close(): Promise<void> {
    this.#transport.close();
  }
}
