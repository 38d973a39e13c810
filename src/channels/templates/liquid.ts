import { Liquid } from 'liquidjs';

/**
 * The two LiquidJS engines templates render with: HTML parts escape every
 * value they output (a trait holding `<script>` stays text); text parts do
 * not. Unknown filters are errors at parse time, so a typo fails the save.
 */
const options = { strictFilters: true, ownPropertyOnly: true, cache: 500 } as const;
export const textEngine = new Liquid(options);
export const htmlEngine = new Liquid({ ...options, outputEscape: 'escape' });
