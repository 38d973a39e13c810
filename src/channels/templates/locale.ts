/**
 * The locale variant for a person: their `locale` trait exactly (pt-BR), then
 * its language (pt), case and `_`/`-` ignored; null means the default content.
 */
export function chooseLocale(available: readonly string[], wanted: unknown): string | null {
  if (typeof wanted !== 'string' || wanted.trim() === '') return null;
  const normal = (tag: string): string => tag.trim().toLowerCase().replaceAll('_', '-');
  const target = normal(wanted);
  const exact = available.find((tag) => normal(tag) === target);
  if (exact !== undefined) return exact;
  const language = target.split('-')[0];
  return available.find((tag) => normal(tag) === language) ?? null;
}
