/**
 * Adds tracking to an email's HTML: each http(s) link becomes a signed
 * redirect through Tessera, and a 1x1 pixel at the end reports the open.
 * Links to the unsubscribe page and `mailto:` links are left alone.
 */
export function trackHtml(html: string, track: { click(url: string): string; pixel: string; unsubscribeUrl: string }): string {
  const linked = html.replace(/(<a\s[^>]*?href\s*=\s*)(["'])(https?:\/\/[^"']+)\2/gi, (whole, before: string, quote: string, url: string) => {
    const target = decodeEntities(url);
    if (target === track.unsubscribeUrl) return whole;
    return `${before}${quote}${escapeAttribute(track.click(target))}${quote}`;
  });
  const pixel = `<img src="${escapeAttribute(track.pixel)}" width="1" height="1" alt="" style="display:none">`;
  return /<\/body>/i.test(linked) ? linked.replace(/<\/body>/i, `${pixel}</body>`) : `${linked}${pixel}`;
}

const decodeEntities = (text: string): string => text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
const escapeAttribute = (text: string): string => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
