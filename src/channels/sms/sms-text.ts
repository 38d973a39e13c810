import type { OutgoingMessage } from '../adapter.js';

/** The SMS body: the rendered text, and for marketing the unsubscribe link as the last line. */
export function smsText(message: OutgoingMessage): string {
  const { text } = message.content;
  return message.origin.category === 'marketing' && message.unsubscribeUrl !== undefined ? `${text}\n\nUnsubscribe: ${message.unsubscribeUrl}` : text;
}
