import { readFile } from 'node:fs/promises';
import { TesseraConfigFile } from '../contracts/index.js';
import { resolveIdentityRules, type IdentityRules } from '../identity/index.js';
import type { FieldProblem } from '../lib/errors.js';
import { describeJsonError } from '../lib/json-error-location.js';
import { err, ok, type Result } from '../lib/result.js';
import { compileValidator } from '../lib/validator.js';
import { resolveProfileRules, type AggregateRegistry, type ProfileRules } from '../profiles/index.js';

export interface UnifyRules {
  readonly identity: IdentityRules;
  readonly profiles: ProfileRules;
}

const validateFile = compileValidator(TesseraConfigFile);

/**
 * Reads the identity and profile rules from the TESSERA_CONFIG file (defaults
 * when there is none). Every problem names the file and the place in it.
 */
export async function loadUnifyRules(path: string | undefined, aggregates: AggregateRegistry): Promise<Result<UnifyRules, FieldProblem[]>> {
  if (path === undefined) return ok({ identity: resolveIdentityRules(undefined), profiles: resolveProfileRules(undefined, aggregates) });
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return err([{ field: 'TESSERA_CONFIG', rule: 'readable', message: `cannot read ${path}: ${(error as Error).message}` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return err([{ field: path, rule: 'json', message: `is not valid JSON: ${describeJsonError(text, (error as Error).message)}` }]);
  }
  const checked = validateFile(json);
  if (!checked.ok) return err(checked.error.map((p) => ({ ...p, field: `${path}: ${p.field}` })));
  try {
    return ok({ identity: resolveIdentityRules(checked.value.identity), profiles: resolveProfileRules(checked.value.profiles, aggregates) });
  } catch (error) {
    return err([{ field: path, rule: 'rules', message: (error as Error).message }]);
  }
}
