import type { FieldProblem } from './errors.js';

/** The fields shared by TypeBox and Ajv (Fastify) validation errors. */
export interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: object;
  readonly message?: string | undefined;
}

/** `/context/traits/0` with prefix `batch[2]` -> `batch[2].context.traits[0]`. */
export function fieldPath(prefix: string, instancePath: string): string {
  let path = prefix;
  for (const segment of instancePath.split('/').slice(1)) {
    const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^\d+$/.test(key)) path += `[${key}]`;
    else path += path === '' || path.endsWith('.') ? key : `.${key}`;
  }
  return path;
}

const joinAlternatives = (types: readonly string[]): string =>
  types.length <= 1 ? (types[0] ?? '') : `${types.slice(0, -1).join(', ')} or ${types.at(-1)}`;

/**
 * Turns raw schema errors into one clear problem per location. A union that
 * fails yields "must be string, number or null" instead of one line per branch.
 */
export function describeSchemaErrors(errors: readonly SchemaError[], prefix = ''): FieldProblem[] {
  const byPath = new Map<string, SchemaError[]>();
  for (const error of errors) {
    const group = byPath.get(error.instancePath);
    if (group) group.push(error);
    else byPath.set(error.instancePath, [error]);
  }
  const problems: FieldProblem[] = [];
  for (const [instancePath, group] of byPath) {
    const required = group.find((e) => e.keyword === 'required');
    if (required) {
      const params = required.params as { requiredProperties?: string[]; missingProperty?: string };
      for (const name of params.requiredProperties ?? [params.missingProperty ?? '?']) {
        problems.push({ field: fieldPath(prefix, `${instancePath}/${name}`), rule: 'required', message: 'is required' });
      }
      continue;
    }
    const field = fieldPath(prefix, instancePath) || '(body)';
    if (group.some((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')) {
      const types = group.filter((e) => e.keyword === 'type').map((e) => String((e.params as { type: unknown }).type));
      const consts = group
        .filter((e) => e.keyword === 'const')
        .map((e) => JSON.stringify((e.params as { allowedValue: unknown }).allowedValue));
      const message =
        consts.length > 0
          ? `must be one of ${consts.join(', ')}`
          : types.length > 0
            ? `must be ${joinAlternatives(types)}`
            : 'does not match any allowed form';
      problems.push({ field, rule: consts.length > 0 ? 'enum' : 'type', message });
      continue;
    }
    const enumError = group.find((e) => e.keyword === 'enum');
    if (enumError) {
      const params = enumError.params as { allowedValues?: unknown[]; values?: unknown[] };
      const allowed = (params.allowedValues ?? params.values ?? []).map((v) => JSON.stringify(v));
      problems.push({ field, rule: 'enum', message: allowed.length > 0 ? `must be one of ${allowed.join(', ')}` : 'is not an allowed value' });
      continue;
    }
    const [first] = group;
    if (first) {
      const extra = first.keyword === 'additionalProperties' ? additionalName(first.params) : '';
      problems.push({ field, rule: first.keyword, message: (first.message ?? 'is invalid') + extra });
    }
  }
  return problems;
}

function additionalName(params: object): string {
  const p = params as { additionalProperties?: string[] | string; additionalProperty?: string };
  const names = p.additionalProperty ?? p.additionalProperties;
  if (names === undefined) return '';
  return `: ${Array.isArray(names) ? names.join(', ') : names}`;
}
