import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { FieldProblem } from './errors.js';
import { err, ok, type Result } from './result.js';
import { describeSchemaErrors } from './schema-errors.js';

export type Validate<T> = (value: unknown, prefix?: string) => Result<T, FieldProblem[]>;

/** Compiles a TypeBox schema once into a checker that returns located problems. */
export function compileValidator<T extends TSchema>(schema: T): Validate<Static<T>> {
  const compiled = Compile(schema);
  return (value, prefix = '') =>
    compiled.Check(value) ? ok(value) : err(describeSchemaErrors(compiled.Errors(value), prefix));
}
