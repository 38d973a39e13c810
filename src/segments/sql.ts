/**
 * The SQL compiler of the condition tree, for DuckDB: backfills, previews and
 * exports run the condition over every profile at once. It states exactly the
 * meaning of values.ts and evaluate.ts (the equivalence property test checks).
 *
 * It reads two relations:
 *   profile_facts(profile_id, traits JSON, consent JSON, identifier_types VARCHAR[],
 *                 channels VARCHAR[], segments VARCHAR[], time_zone VARCHAR)
 *   profile_events(profile_id, event VARCHAR, timestamp TIMESTAMP (UTC), properties JSON)
 */
import type { Condition, EventMatch, Scalar, Span, ValueTest } from '../contracts/index.js';
import { consentKey } from './facts.js';
import { isoDatePattern, spanToMs } from './values.js';

export interface SqlRelations {
  readonly facts: string;
  readonly events: string;
}

export interface CompiledSql {
  /** `SELECT profile_id FROM ...` for the members. */
  readonly sql: string;
  readonly params: Record<string, string | number | boolean>;
}

class Params {
  readonly values: Record<string, string | number | boolean> = {};
  readonly at: number;
  #nowName: string | undefined;
  #nowTimestamp: string | undefined;
  #next = 0;

  constructor(now: number) {
    this.at = now;
  }

  add(value: string | number | boolean): string {
    const name = `p${this.#next++}`;
    this.values[name] = value;
    return `$${name}`;
  }

  /** The evaluation time; bound only when used, as DuckDB refuses unused parameters. */
  get now(): string {
    this.#nowName ??= this.add(this.at);
    return this.#nowName;
  }

  /** The evaluation time as a TIMESTAMP. */
  get nowTimestamp(): string {
    this.#nowTimestamp ??= this.timestamp(this.at);
    return this.#nowTimestamp;
  }

  /**
   * A moment (ms) as a TIMESTAMP, to compare with a timestamp column as it
   * is: comparing the column itself lets DuckDB skip row groups by their
   * min/max, which it cannot through epoch_ms(column).
   */
  timestamp(ms: number): string {
    return `make_timestamp(CAST(${this.add(ms * 1000)} AS BIGINT))`;
  }
}

/**
 * The date pattern as a SQL literal, not a parameter: DuckDB compiles a
 * constant pattern once, a parameter's for every row (a 100,000-profile
 * query over a date trait took twice as long). It holds no quote.
 */
const isoDateSql = `'${isoDatePattern}'`;

/** A JSON path for a dotted name: every segment quoted, so any key works. */
const jsonPath = (dotted: string): string => `$${dotted.split('.').map((key) => `."${key.replaceAll('"', '\\"')}"`).join('')}`;

const kindTest = (value: string | boolean): string => (typeof value === 'string' ? "= 'VARCHAR'" : "= 'BOOLEAN'");

/**
 * A test of the JSON value `j` read as the scalar's type (false or NULL when
 * it holds another type). A JSON number is the only JSON text a cast to
 * DOUBLE accepts (strings are quoted; true, false and null are words), so
 * numbers need no json_type, which would parse the value a second time.
 */
function asScalarOf(j: string, value: Scalar, test: (typed: string) => string): string {
  if (typeof value === 'number') return test(`TRY_CAST(CAST(${j} AS VARCHAR) AS DOUBLE)`);
  return `(json_type(${j}) ${kindTest(value)} AND ${test(typeof value === 'string' ? `(${j} ->> '$')` : `TRY_CAST(${j} AS BOOLEAN)`)})`;
}

function sameScalar(j: string, value: Scalar, params: Params): string {
  return asScalarOf(j, value, (typed) => `${typed} = ${params.add(value)}`);
}

function ordered(j: string, value: Scalar, op: string, params: Params): string {
  return asScalarOf(j, value, (typed) => `${typed} ${op} ${params.add(value)}`);
}

/**
 * The meaning of testValue, for a JSON expression `j` (SQL NULL when missing)
 * drawn from a document (event properties). A test that reads the value once
 * reads it in place. One that reads it several times (its JSON type, then the
 * value) binds it once in a one-row subquery, so the document is parsed once
 * rather than for each reading; DuckDB joins such a subquery back on the
 * document, which costs more than one parse.
 */
function valueTest(j: string, test: ValueTest, params: Params, timeZone: string): string {
  const bound = 'tv.v';
  const sql = testOn(bound, test, params, timeZone);
  // The bound name is ours and appears in no literal or parameter name, so it can be put back in place.
  if (sql.split(bound).length === 2) return sql.replace(bound, j);
  return `(SELECT ${sql} FROM (SELECT ${j} AS v) tv)`;
}

function testOn(j: string, test: ValueTest, params: Params, timeZone: string): string {
  const present = `(json_type(${j}) IS NOT NULL AND json_type(${j}) <> 'NULL')`;
  const text = `(${j} ->> '$')`;
  const isDate = `(json_type(${j}) = 'VARCHAR' AND regexp_full_match(${text}, ${isoDateSql}))`;
  switch (test.op) {
    case '=':
      return sameScalar(j, test.value, params);
    case '!=':
      return `(${present} AND NOT coalesce(${sameScalar(j, test.value, params)}, false))`;
    case '<':
    case '<=':
    case '>':
    case '>=':
      return ordered(j, test.value, test.op, params);
    case 'in':
      return `(${test.values.map((v) => `coalesce(${sameScalar(j, v, params)}, false)`).join(' OR ')})`;
    case 'contains': {
      const needle = params.add(test.value);
      const element = params.add(JSON.stringify(test.value));
      return `((json_type(${j}) = 'VARCHAR' AND contains(${text}, ${needle})) OR (json_type(${j}) = 'ARRAY' AND list_contains(CAST(json_extract(${j}, '$[*]') AS VARCHAR[]), ${element})))`;
    }
    case 'starts_with':
      return `(json_type(${j}) = 'VARCHAR' AND starts_with(${text}, ${params.add(test.value)}))`;
    case 'exists':
      return present;
    case 'between':
      // Bounds of one type read the value once.
      if (typeof test.low === typeof test.high) return asScalarOf(j, test.low, (typed) => `${typed} BETWEEN ${params.add(test.low)} AND ${params.add(test.high)}`);
      return `(${ordered(j, test.low, '>=', params)} AND ${ordered(j, test.high, '<=', params)})`;
    case 'within_last': {
      const at = `epoch_ms(TRY_CAST(${text} AS TIMESTAMPTZ))`;
      return `(${isDate} AND ${at} > ${params.now} - ${params.add(spanToMs(test.span))} AND ${at} <= ${params.now})`;
    }
    case 'birthday_in': {
      // Calendar days from today in the profile's time zone to the next birthday. Adding whole years
      // to the date of birth keeps 29 February on 28 February in other years, as the evaluator does.
      const born = `TRY_CAST(substr(${text}, 1, 10) AS DATE)`;
      const today = `CAST(timezone(${timeZone}, make_timestamptz(${params.now} * 1000)) AS DATE)`;
      const onYear = (years: string): string => `CAST(${born} + to_years(CAST(${years} AS INTEGER)) AS DATE)`;
      const thisYear = onYear(`year(${today}) - year(${born})`);
      const next = `CASE WHEN ${thisYear} >= ${today} THEN ${thisYear} ELSE ${onYear(`year(${today}) - year(${born}) + 1`)} END`;
      return `(${isDate} AND ${born} IS NOT NULL AND date_diff('day', ${today}, ${next}) <= ${params.add(test.days)})`;
    }
  }
}

interface Compilation {
  readonly params: Params;
  readonly ctes: string[];
  readonly joins: string[];
  /**
   * When collected: for each part of the condition time alone can change, the
   * earliest moment after now it can (ms, NULL when never), as SQL.
   */
  readonly due?: string[];
  /** The JSON paths of the traits the condition tests, in the order of `p.trait_values` (see factsRelation). */
  readonly traitPaths: string[];
}

/**
 * A trait's JSON value, read once per profile with every other trait the
 * condition tests: a test reads its value several times (its JSON type, then
 * the value), and reading it from the traits document each time, or binding
 * it in a correlated subquery (which DuckDB joins back on the whole document),
 * took up to twice as long as a hand-written query.
 */
function traitValue(trait: string, c: Compilation): string {
  const path = jsonPath(trait);
  let index = c.traitPaths.indexOf(path);
  if (index < 0) index = c.traitPaths.push(path) - 1;
  return `p.trait_values[${index + 1}]`;
}

/** What the query reads as `p`: the facts, with `trait_values` when it tests traits (see traitValue). */
function factsRelation(c: Compilation, relations: SqlRelations): { ctes: string[]; from: string } {
  if (c.traitPaths.length === 0) return { ctes: [], from: relations.facts };
  const paths = c.traitPaths.map((path) => c.params.add(path)).join(', ');
  // Materialized: left to itself, DuckDB inlines the projection into every test that reads a value, parsing the traits each time.
  return {
    ctes: [`trait_facts AS MATERIALIZED (SELECT f.* EXCLUDE (traits), json_extract(f.traits, [${paths}]) AS trait_values FROM ${relations.facts} f)`],
    from: 'trait_facts',
  };
}

function windowSql(alias: string, window: Span | undefined, c: Compilation): string {
  if (window === undefined) return 'true';
  return `(${alias}.timestamp > ${c.params.timestamp(c.params.at - spanToMs(window))} AND ${alias}.timestamp <= ${c.params.nowTimestamp})`;
}

/**
 * For events matching in `alias`: the first moment after now one of them
 * enters the window (its time, when in the future) or leaves it (its time
 * plus the window). Only events after now minus the window can: the caller
 * filters on that.
 */
function windowChangeSql(alias: string, window: Span, c: Compilation): string {
  const at = `epoch_ms(${alias}.timestamp)`;
  return `min(CASE WHEN ${alias}.timestamp > ${c.params.nowTimestamp} THEN ${at} ELSE ${at} + ${c.params.add(spanToMs(window))} END)`;
}

/**
 * When time alone may change a trait test (see SegmentSet.nextChange): its
 * relative date passing an edge, or local midnight for birthdays. `v` is the
 * trait's JSON value, already read out of the traits (see traitValue).
 */
function traitDueSql(v: string, test: ValueTest, c: Compilation, timeZone: string): string | undefined {
  const { params } = c;
  if (test.op !== 'within_last' && test.op !== 'birthday_in') return undefined;
  const isDate = `(json_type(${v}) = 'VARCHAR' AND regexp_full_match(${v} ->> '$', ${isoDateSql}))`;
  if (test.op === 'within_last') {
    const at = `epoch_ms(TRY_CAST(${v} ->> '$' AS TIMESTAMPTZ))`;
    const end = `${at} + ${params.add(spanToMs(test.span))}`;
    return `CASE WHEN ${isDate} THEN least(CASE WHEN ${at} > ${params.now} THEN ${at} END, CASE WHEN ${end} > ${params.now} THEN ${end} END) END`;
  }
  // Birthdays: the next local midnight; an hour early at most, which DST gaps at midnight may need: a timer firing early only looks again.
  const local = `timezone(${timeZone}, make_timestamptz(CAST(${params.now} * 1000 AS BIGINT)))`;
  const midnight = `epoch_ms(timezone(${timeZone}, date_trunc('day', ${local}) + INTERVAL 1 DAY))`;
  return `CASE WHEN ${isDate} THEN greatest(${params.now} + 1, ${midnight} - 3600000) END`;
}

/** Only birthday tests need the profile's time zone; other matches skip the join that brings it. */
const needsTimeZone = (...matches: EventMatch[]): boolean => matches.some((m) => m.where.some((w) => w.test.op === 'birthday_in'));

function matchSql(alias: string, match: EventMatch, c: Compilation, timeZone: string): string {
  const filters = match.where.map(
    (w) => `coalesce(${valueTest(`json_extract(${alias}.properties, ${c.params.add(jsonPath(w.property))})`, w.test, c.params, timeZone)}, false)`,
  );
  return [`${alias}.event = ${c.params.add(match.event)}`, ...filters].join(' AND ');
}

function conditionSql(node: Condition, c: Compilation, relations: SqlRelations): string {
  const atom = (sql: string): string => `coalesce(${sql}, false)`;
  switch (node.kind) {
    case 'and':
    case 'or':
      return `(${node.conditions.map((child) => conditionSql(child, c, relations)).join(node.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `(NOT ${conditionSql(node.condition, c, relations)})`;
    case 'trait': {
      const v = traitValue(node.trait, c);
      const due = c.due && traitDueSql(v, node.test, c, 'p.time_zone');
      if (due !== undefined) c.due?.push(due);
      return atom(testOn(v, node.test, c.params, 'p.time_zone'));
    }
    case 'event': {
      const name = `c${c.ctes.length}`;
      const zone = needsTimeZone(node.match) ? `JOIN ${relations.facts} z ON z.profile_id = e.profile_id` : '';
      if (c.due !== undefined && node.window !== undefined) {
        // Counted in the window, and when the count can change: events from the window's start on, the future included.
        c.ctes.push(
          `${name} AS (SELECT e.profile_id, count(*) FILTER (WHERE e.timestamp <= ${c.params.nowTimestamp}) AS n, ${windowChangeSql('e', node.window, c)} AS due
             FROM ${relations.events} e ${zone}
             WHERE ${matchSql('e', node.match, c, 'z.time_zone')} AND e.timestamp > ${c.params.timestamp(c.params.at - spanToMs(node.window))}
             GROUP BY e.profile_id)`,
        );
        c.due.push(`${name}.due`);
      } else {
        c.ctes.push(
          `${name} AS (SELECT e.profile_id, count(*) AS n FROM ${relations.events} e ${zone}
             WHERE ${matchSql('e', node.match, c, 'z.time_zone')} AND ${windowSql('e', node.window, c)} GROUP BY e.profile_id)`,
        );
      }
      c.joins.push(`LEFT JOIN ${name} ON ${name}.profile_id = p.profile_id`);
      return atom(`coalesce(${name}.n, 0) ${node.count.op} ${c.params.add(node.count.value)}`);
    }
    case 'sequence': {
      const name = `c${c.ctes.length}`;
      const zone = needsTimeZone(node.first, node.then) ? `JOIN ${relations.facts} z ON z.profile_id = a.profile_id` : '';
      c.ctes.push(
        `${name} AS (SELECT DISTINCT a.profile_id FROM ${relations.events} a JOIN ${relations.events} b ON b.profile_id = a.profile_id ${zone}
           WHERE ${matchSql('a', node.first, c, 'z.time_zone')} AND ${matchSql('b', node.then, c, 'z.time_zone')}
             AND b.timestamp > a.timestamp
             AND b.timestamp <= a.timestamp + to_milliseconds(CAST(${c.params.add(spanToMs(node.within))} AS BIGINT))
             AND ${windowSql('a', node.window, c)} AND ${windowSql('b', node.window, c)})`,
      );
      c.joins.push(`LEFT JOIN ${name} ON ${name}.profile_id = p.profile_id`);
      if (c.due !== undefined && node.window !== undefined) {
        const due = `c${c.ctes.length}`;
        const dueZone = needsTimeZone(node.first, node.then) ? `JOIN ${relations.facts} z ON z.profile_id = e.profile_id` : '';
        c.ctes.push(
          `${due} AS (SELECT e.profile_id, ${windowChangeSql('e', node.window, c)} AS due FROM ${relations.events} e ${dueZone}
             WHERE ((${matchSql('e', node.first, c, 'z.time_zone')}) OR (${matchSql('e', node.then, c, 'z.time_zone')}))
               AND e.timestamp > ${c.params.timestamp(c.params.at - spanToMs(node.window))}
             GROUP BY e.profile_id)`,
        );
        c.joins.push(`LEFT JOIN ${due} ON ${due}.profile_id = p.profile_id`);
        c.due.push(`${due}.due`);
      }
      return atom(`${name}.profile_id IS NOT NULL`);
    }
    case 'segment':
      return atom(`list_contains(p.segments, ${c.params.add(node.segment)})`);
    case 'consent':
      return atom(`(p.consent ->> ${c.params.add(jsonPath(consentKey(node.channel, node.purpose)))}) = 'granted'`);
    case 'identifier':
      return atom(`list_contains(p.identifier_types, ${c.params.add(node.type)})`);
    case 'channel':
      return atom(`list_contains(p.channels, ${c.params.add(node.channel)})`);
  }
}

const defaultRelations: SqlRelations = { facts: 'profile_facts', events: 'profile_events' };
const withCtes = (ctes: readonly string[]): string => (ctes.length > 0 ? `WITH ${ctes.join(',\n')}\n` : '');

/** SQL selecting the profile ids that meet `condition` at `now` (ms since the epoch). */
export function compileToSql(condition: Condition, now: number, relations: SqlRelations = defaultRelations): CompiledSql {
  const params = new Params(now);
  const c: Compilation = { params, ctes: [], joins: [], traitPaths: [] };
  const where = conditionSql(condition, c, relations);
  const facts = factsRelation(c, relations);
  const sql = `${withCtes([...facts.ctes, ...c.ctes])}SELECT p.profile_id FROM ${facts.from} p ${c.joins.join(' ')} WHERE ${where}`;
  return { sql, params: params.values };
}

/**
 * SQL for the first memberships of segment `name` at `now`: rows
 * `(profile_id, member, was, due)` for every profile whose membership the
 * condition changes (`member` differs from `was`, its membership in the facts'
 * `segments`) or that time alone could move later: `due` is then the earliest
 * moment it could (ms; never later than SegmentSet.nextChange says, possibly
 * earlier), for its segment timer. Other profiles are left out.
 */
export function compileMembershipChanges(condition: Condition, now: number, name: string, relations: SqlRelations = defaultRelations): CompiledSql {
  const params = new Params(now);
  const c: Compilation = { params, ctes: [], joins: [], due: [], traitPaths: [] };
  const member = conditionSql(condition, c, relations);
  const due = c.due === undefined || c.due.length === 0 ? 'NULL' : `least(${c.due.join(', ')})`;
  const was = `list_contains(p.segments, ${params.add(name)})`;
  const facts = factsRelation(c, relations);
  const sql = `${withCtes([...facts.ctes, ...c.ctes])}SELECT * FROM (
      SELECT p.profile_id, ${member} AS member, ${was} AS was, CAST(${due} AS BIGINT) AS due
      FROM ${facts.from} p ${c.joins.join(' ')}
    ) WHERE member <> was OR due IS NOT NULL`;
  return { sql, params: params.values };
}
