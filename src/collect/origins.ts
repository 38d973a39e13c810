/**
 * Whether a browser `origin` matches a source's allowed patterns: `*`, an exact
 * origin, or `scheme://*.domain[:port]` for any subdomain of domain.
 */
export function originAllowed(patterns: readonly string[], origin: string): boolean {
  const normalized = origin.toLowerCase();
  return patterns.some((raw) => {
    const pattern = raw.toLowerCase();
    if (pattern === '*' || pattern === normalized) return true;
    const wildcard = /^(https?:\/\/)\*\.(.+)$/.exec(pattern);
    if (wildcard === null) return false;
    const [, scheme = '', rest = ''] = wildcard;
    return normalized.startsWith(scheme) && normalized.slice(scheme.length).endsWith(`.${rest}`);
  });
}
