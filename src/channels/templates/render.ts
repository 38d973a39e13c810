import type { JourneyChannel, TemplateContent } from '../../contracts/index.js';
import { err, ok, type Result } from '../../lib/result.js';
import type { RenderedContent } from '../adapter.js';
import { htmlEngine, textEngine } from './liquid.js';
import type { TemplateScope } from './scope.js';

const render = (engine: typeof textEngine, source: string, scope: TemplateScope): string => engine.parseAndRenderSync(source, scope) as string;

/** A plain-text part for an email written only in HTML: the text between the tags, links kept in brackets. */
export function textOfHtml(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, '$2 [$1]')
    .replace(/<br\s*\/?>|<\/(p|div|h[1-6]|li|tr)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Renders the content of one channel; an error says what failed (a missing channel, a broken filter, invalid JSON). */
export function renderChannel(content: TemplateContent, channel: JourneyChannel, scope: TemplateScope): Result<RenderedContent, string> {
  try {
    switch (channel) {
      case 'email': {
        const email = content.email;
        if (email === undefined) return err('the template has no email content');
        const html = email.html === undefined ? undefined : render(htmlEngine, email.html, scope);
        const text = email.text === undefined ? textOfHtml(html ?? '') : render(textEngine, email.text, scope);
        const from = email.fromAddress === undefined ? undefined : { address: email.fromAddress, name: email.fromName };
        return ok({ subject: render(textEngine, email.subject, scope).trim(), text, html, from });
      }
      case 'sms':
        return content.sms === undefined ? err('the template has no sms content') : ok({ text: render(textEngine, content.sms.text, scope) });
      case 'push':
      case 'in_app': {
        const part = content[channel];
        if (part === undefined) return err(`the template has no ${channel} content`);
        return ok({
          title: render(textEngine, part.title, scope),
          text: render(textEngine, part.body, scope),
          url: part.url === undefined ? undefined : render(textEngine, part.url, scope).trim(),
        });
      }
      case 'webhook': {
        if (content.webhook === undefined) return err('the template has no webhook content');
        const text = render(textEngine, content.webhook.json, scope);
        try {
          return ok({ text, json: JSON.parse(text) as unknown });
        } catch (error) {
          return err(`the webhook body is not JSON once rendered: ${(error as Error).message}`);
        }
      }
    }
  } catch (error) {
    return err(`rendering failed: ${(error as Error).message}`);
  }
}
