import type { Condition } from '../contracts/index.js';
import type { JourneyRecord, JourneyVersionRecord } from '../store/index.js';
import { compileJourney, type CompiledJourney } from './compile.js';

/**
 * The journeys the stage runs: every version people are in (a live journey's
 * older versions keep running for those who entered them), indexed by what
 * enters people into the live version.
 */
export class JourneyCatalog {
  #versions = new Map<string, CompiledJourney>();
  #records = new Map<string, JourneyRecord>();
  #byEvent = new Map<string, CompiledJourney[]>();
  #bySegment = new Map<string, CompiledJourney[]>();

  /** Takes the journeys and the versions in use; a version that no longer compiles is left out (and logged by the caller). */
  replace(journeys: readonly JourneyRecord[], versions: readonly JourneyVersionRecord[]): string[] {
    const problems: string[] = [];
    const byId = new Map(journeys.map((j) => [j.id, j]));
    this.#versions = new Map();
    for (const v of versions) {
      const journey = byId.get(v.journeyId);
      if (journey === undefined) continue;
      const compiled = compileJourney(journey.id, journey.name, v.version, v.definition);
      if (compiled.ok) this.#versions.set(`${v.journeyId}@${v.version}`, compiled.value);
      else problems.push(`${journey.name} v${v.version}: ${compiled.error.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    }
    this.#records = byId;
    this.#byEvent = new Map();
    this.#bySegment = new Map();
    for (const journey of journeys) {
      if (journey.status !== 'live' || journey.liveVersion === null) continue;
      const live = this.#versions.get(`${journey.id}@${journey.liveVersion}`);
      if (live === undefined) continue;
      if (live.entry.kind === 'event') this.#byEvent.set(live.entry.match.event, [...(this.#byEvent.get(live.entry.match.event) ?? []), live]);
      if (live.entry.kind === 'segment') this.#bySegment.set(live.entry.segment, [...(this.#bySegment.get(live.entry.segment) ?? []), live]);
    }
    return problems;
  }

  version(journeyId: string, version: number): CompiledJourney | undefined {
    return this.#versions.get(`${journeyId}@${version}`);
  }

  /** The live version of a journey people can enter now, if it is live. */
  live(journeyId: string): CompiledJourney | undefined {
    const record = this.#records.get(journeyId);
    if (record?.status !== 'live' || record.liveVersion === null) return undefined;
    return this.version(journeyId, record.liveVersion);
  }

  record(journeyId: string): JourneyRecord | undefined {
    return this.#records.get(journeyId);
  }

  byName(name: string): JourneyRecord | undefined {
    return [...this.#records.values()].find((j) => j.name === name);
  }

  /** Live journeys an event enters people into. */
  enteredByEvent(event: string): readonly CompiledJourney[] {
    return this.#byEvent.get(event) ?? [];
  }

  /** Live journeys entering people who enter (or exit) a segment. */
  enteredBySegment(segment: string, on: 'enter' | 'exit'): readonly CompiledJourney[] {
    return (this.#bySegment.get(segment) ?? []).filter((j) => j.entry.kind === 'segment' && j.entry.on === on);
  }

  /** Every condition the running versions evaluate (branches and exit conditions). */
  conditions(): Condition[] {
    return [...this.#versions.values()].flatMap((journey) => [
      ...[...journey.steps.values()].flatMap((step) => (step.type === 'branch' ? step.conditions.map((c) => c.condition) : [])),
      ...journey.exits.flatMap((x) => (x.kind === 'condition' ? [x.condition] : [])),
    ]);
  }

  /** Live journeys with a schedule entry. */
  scheduled(): CompiledJourney[] {
    return [...this.#records.keys()].flatMap((id) => {
      const live = this.live(id);
      return live?.entry.kind === 'schedule' ? [live] : [];
    });
  }

  /** The journeys whose instances may move now (live ones). */
  runningIds(): string[] {
    return [...this.#records.values()].filter((r) => r.status === 'live').map((r) => r.id);
  }

  /** Whether instances of the journey may move: not while it is paused. */
  running(journeyId: string): boolean {
    const status = this.#records.get(journeyId)?.status;
    return status === 'live';
  }
}
