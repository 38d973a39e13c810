import { Ajv2019, type ValidateFunction } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import type { CollectedMessage, TrackingPlan, TrackingPlanMode } from '../contracts/index.js';
import type { FieldProblem } from '../lib/errors.js';
import { err, ok, type Result } from '../lib/result.js';
import { describeSchemaErrors } from '../lib/schema-errors.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2019) => Ajv2019;

/** A tracking plan compiled once into validators. */
export interface PlanChecker {
  readonly mode: TrackingPlanMode;
  /** The plan's violations by `message`; empty when it conforms. */
  check(message: CollectedMessage): FieldProblem[];
}

const newAjv = (): Ajv2019 => addFormats(new Ajv2019({ allErrors: true, strict: false }));

/**
 * Compiles a plan's JSON Schemas. A schema that does not compile is reported
 * with its location in the plan, so a bad plan is refused when saved, not
 * discovered when traffic arrives.
 */
export function compileTrackingPlan(plan: TrackingPlan): Result<PlanChecker, FieldProblem[]> {
  const ajv = newAjv();
  const problems: FieldProblem[] = [];
  const compile = (schema: Record<string, unknown> | undefined, field: string): ValidateFunction | undefined => {
    if (schema === undefined) return undefined;
    try {
      return ajv.compile(schema);
    } catch (error) {
      problems.push({ field, rule: 'jsonSchema', message: `is not a valid JSON Schema: ${(error as Error).message}` });
      return undefined;
    }
  };
  const events = new Map<string, ValidateFunction | undefined>();
  for (const [name, spec] of Object.entries(plan.events)) {
    events.set(name, compile(spec.properties, `events.${name}.properties`));
  }
  const identifyTraits = compile(plan.identify?.traits, 'identify.traits');
  const groupTraits = compile(plan.group?.traits, 'group.traits');
  if (problems.length > 0) return err(problems);

  const against = (validate: ValidateFunction | undefined, value: unknown, field: string): FieldProblem[] =>
    validate === undefined || validate(value ?? {}) ? [] : describeSchemaErrors(validate.errors ?? [], field);

  return ok({
    mode: plan.mode,
    check(message) {
      switch (message.type) {
        case 'track': {
          const event = message.event ?? '';
          if (!events.has(event)) {
            return [{ field: 'event', rule: 'unplannedEvent', message: `event "${event}" is not in the tracking plan` }];
          }
          return against(events.get(event), message.properties, 'properties');
        }
        case 'identify':
          return against(identifyTraits, message.traits, 'traits');
        case 'group':
          return against(groupTraits, message.traits, 'traits');
        default:
          return [];
      }
    },
  });
}
