import { analyzeSync, type Template as LiquidTemplate } from 'liquidjs';
import type { FieldProblem } from '../../lib/errors.js';
import { scopeFields } from './scope.js';

/** Character spans of the `{{ ... }}` outputs that end in a `default` filter: what they name may be missing. */
function defaultedSpans(source: string): [number, number][] {
  const spans: [number, number][] = [];
  for (const match of source.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)) {
    if (/\|\s*default\s*:/.test(match[1] ?? '')) spans.push([match.index, match.index + match[0].length]);
  }
  return spans;
}

/** Offset in `source` of a 1-based row and column. */
function offsetOf(source: string, row: number, col: number): number {
  let offset = 0;
  for (let r = 1; r < row; r++) offset = source.indexOf('\n', offset) + 1;
  return offset + col - 1;
}

/**
 * The strict check of one template text: every variable it names must be one
 * a profile can supply (a known trait, a field of the scope, any event
 * property) or carry a `| default:`. Each problem names the variable, with
 * its line and column.
 */
export function checkVariables(parsed: LiquidTemplate[], source: string, field: string, knownTraits: ReadonlySet<string>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const defaulted = defaultedSpans(source);
  const seen = new Set<string>();
  for (const variables of Object.values(analyzeSync(parsed).globals)) {
    for (const variable of variables) {
      const segments = variable.segments.map((s) => (typeof s === 'object' ? '[]' : String(s)));
      const name = segments.join('.');
      const at = offsetOf(source, variable.location.row, variable.location.col);
      if (defaulted.some(([start, end]) => at >= start && at < end)) continue;
      const reason = unknownReason(segments, knownTraits);
      if (reason === undefined || seen.has(name)) continue;
      seen.add(name);
      problems.push({
        field,
        rule: 'variable',
        message: `{{ ${name} }} (line ${variable.location.row}, column ${variable.location.col}) ${reason}; give it a default, e.g. {{ ${name} | default: "" }}`,
      });
    }
  }
  return problems;
}

function unknownReason(segments: readonly string[], knownTraits: ReadonlySet<string>): string | undefined {
  const [root, first] = segments;
  if (root === undefined) return undefined;
  const fields = scopeFields[root];
  if (fields === undefined) return `names nothing a message has (use traits, profile, event, journey, message or unsubscribe_url)`;
  if (root === 'traits') {
    if (first === undefined || knownTraits.has(first)) return undefined;
    return `is not a trait any profile can have (neither configured, computed nor reserved)`;
  }
  if (first === undefined || fields.length === 0 || fields.includes(first)) return undefined;
  return `is not a field of ${root} (${fields.join(', ')})`;
}
