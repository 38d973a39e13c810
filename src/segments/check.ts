import {
  conditionKinds,
  conditionNodeSchemas,
  valueTestOps,
  valueTestSchemas,
  type Condition,
  type ConditionKind,
  type EventMatch,
  type PropertyTest,
  type Scalar,
  type ValueTest,
} from '../contracts/index.js';
import type { FieldProblem } from '../lib/errors.js';
import { err, ok, type Result } from '../lib/result.js';
import { compileValidator } from '../lib/validator.js';
import { SyntaxProblem } from './lexer.js';
import { parseCondition } from './parser.js';

const validators = Object.fromEntries(conditionKinds.map((kind) => [kind, compileValidator(conditionNodeSchemas[kind])])) as Record<
  ConditionKind,
  ReturnType<typeof compileValidator>
>;

const testValidators = Object.fromEntries(Object.entries(valueTestSchemas).map(([op, schema]) => [op, compileValidator(schema)]));

const maxDepth = 32;
const maxNodes = 2_000;
const identifierType = /^[a-z][a-z0-9_]{0,39}$/;

const scalarType = (value: Scalar): string => typeof value;

/** A value test by its op: one clear problem for an unknown op, else its own schema, then what schemas cannot say. */
function valueTestProblems(input: unknown, path: string): FieldProblem[] {
  const op = (input as { op?: unknown } | null)?.op;
  const validate = typeof op === 'string' ? testValidators[op] : undefined;
  if (validate === undefined) return [{ field: `${path}.op`, rule: 'enum', message: `must be one of ${valueTestOps.join(', ')}` }];
  const shape = validate(input, `${path}.`);
  if (!shape.ok) return shape.error;
  const test = input as ValueTest;
  if (test.op === 'between') {
    if (scalarType(test.low) !== scalarType(test.high)) {
      return [{ field: `${path}.high`, rule: 'sameType', message: 'between needs low and high of the same type' }];
    }
    if (test.low > test.high) return [{ field: `${path}.low`, rule: 'order', message: 'between needs low <= high' }];
  }
  return [];
}

/** Event filters are decided when the event arrives, so they cannot depend on the time of evaluation. */
const timeRelative = new Set(['within_last', 'birthday_in']);

const matchProblems = (match: EventMatch, path: string): FieldProblem[] =>
  match.where.flatMap((w, i) => {
    const at = `${path}.where[${i}].test`;
    const op = (w.test as { op?: unknown } | null)?.op;
    if (typeof op === 'string' && timeRelative.has(op)) {
      return [{ field: `${at}.op`, rule: 'eventFilter', message: `${op} compares with the time of evaluation; on events, use the window (within last ...) instead` }];
    }
    return valueTestProblems(w.test, at);
  });

/**
 * Checks a condition in JSON form node by node, so every problem is reported
 * at its path (e.g. `conditions[1].test.op`), and returns it typed.
 */
export function checkCondition(input: unknown, path = 'definition'): Result<Condition, FieldProblem[]> {
  const problems: FieldProblem[] = [];
  let nodes = 0;
  const visit = (node: unknown, at: string, depth: number): void => {
    if (++nodes > maxNodes) {
      if (nodes === maxNodes + 1) problems.push({ field: at, rule: 'size', message: `a condition may have at most ${maxNodes} parts` });
      return;
    }
    if (depth > maxDepth) {
      problems.push({ field: at, rule: 'depth', message: `conditions may nest at most ${maxDepth} levels` });
      return;
    }
    const kind = (node as { kind?: unknown } | null)?.kind;
    if (typeof kind !== 'string' || !(conditionKinds as string[]).includes(kind)) {
      problems.push({ field: `${at}.kind`, rule: 'enum', message: `must be one of ${conditionKinds.join(', ')}` });
      return;
    }
    const shape = validators[kind as ConditionKind](node, `${at}.`);
    if (!shape.ok) {
      problems.push(...shape.error);
      return;
    }
    const typed = node as Condition;
    switch (typed.kind) {
      case 'and':
      case 'or':
        typed.conditions.forEach((child, i) => visit(child, `${at}.conditions[${i}]`, depth + 1));
        return;
      case 'not':
        visit(typed.condition, `${at}.condition`, depth + 1);
        return;
      case 'trait':
        problems.push(...valueTestProblems(typed.test, `${at}.test`));
        return;
      case 'event':
        problems.push(...matchProblems(typed.match, `${at}.match`));
        return;
      case 'sequence':
        problems.push(...matchProblems(typed.first, `${at}.first`), ...matchProblems(typed.then, `${at}.then`));
        return;
      case 'identifier':
        if (!identifierType.test(typed.type)) problems.push({ field: `${at}.type`, rule: 'pattern', message: 'must be an identifier type such as email or loyalty_id' });
        return;
      default:
        return;
    }
  };
  visit(input, path, 0);
  return problems.length > 0 ? err(problems) : ok(input as Condition);
}

/** A problem in a definition: located by line and column (text form) or by path (JSON form). */
export interface DefinitionProblem extends FieldProblem {
  readonly line?: number;
  readonly column?: number;
  readonly expected?: string;
}

/** Reads a definition in either form: text is parsed, JSON is checked; both give the same tree. */
export function readDefinition(input: unknown): Result<Condition, DefinitionProblem[]> {
  if (typeof input === 'string') {
    let parsed: Condition;
    try {
      parsed = parseCondition(input);
    } catch (error) {
      if (!(error instanceof SyntaxProblem)) throw error;
      return err([{ field: 'definition', rule: 'syntax', message: error.message, line: error.line, column: error.column, expected: error.expected }]);
    }
    return checkCondition(parsed);
  }
  return checkCondition(input);
}

const whereOffset = 'performed "x" where '.length;

/** Event property filters in text form ("revenue > 50 and ...") or JSON form, checked like a segment's; problems at `field`. */
export function readFilters(where: string | readonly unknown[] | undefined, field: string): Result<readonly PropertyTest[], FieldProblem[]> {
  if (where === undefined) return ok([]);
  if (typeof where === 'string') {
    try {
      const parsed = parseCondition(`performed "x" where ${where}`);
      if (parsed.kind !== 'event') throw new SyntaxProblem(1, 1, 'property filters only', 'a condition');
      const checked = checkCondition(parsed);
      return checked.ok && checked.value.kind === 'event' ? ok(checked.value.match.where) : err(checked.ok ? [] : checked.error.map((p) => ({ ...p, field })));
    } catch (error) {
      if (!(error instanceof SyntaxProblem)) throw error;
      const column = error.line === 1 ? error.column - whereOffset : error.column;
      return err([{ field, rule: 'syntax', message: `line ${error.line}, column ${column}: expected ${error.expected}, found ${error.found}` }]);
    }
  }
  const checked = checkCondition({ kind: 'event', match: { event: 'x', where }, count: { op: '>=', value: 1 } }, 'filters');
  return checked.ok && checked.value.kind === 'event'
    ? ok(checked.value.match.where)
    : err(checked.ok ? [] : checked.error.map((p) => ({ ...p, field: p.field.replace(/^filters\.match\.where/, field) })));
}

