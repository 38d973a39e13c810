import type { Clock } from '../lib/clock.js';
import { instantOf, wallClock } from '../lib/zoned-time.js';
import { factsOf, type FactsContext } from '../segments/index.js';
import type { IdentityStore, JourneyStore, SegmentStore } from '../store/index.js';
import type { JourneyCatalog } from './catalog.js';
import type { JourneyStage } from './journey-stage.js';

export interface SchedulerOptions {
  readonly store: JourneyStore;
  readonly identity: IdentityStore;
  readonly segments: SegmentStore;
  readonly catalog: JourneyCatalog;
  readonly stage: JourneyStage;
  readonly facts: FactsContext;
  readonly clock: Clock;
}

const spanMs = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;
const pageSize = 500;

/**
 * Enters the members of a segment into scheduled journeys: once at a time,
 * every so often, or each year on the date a trait holds (a birthday), at a
 * local time in each person's own time zone.
 */
export class JourneyScheduler {
  readonly #o: SchedulerOptions;

  constructor(options: SchedulerOptions) {
    this.#o = options;
  }

  /** Runs every schedule that is due; returns how many people entered. */
  async runDue(): Promise<number> {
    let entered = 0;
    const now = this.#o.clock.now();
    for (const journey of this.#o.catalog.scheduled()) {
      const entry = journey.entry;
      if (entry.kind !== 'schedule') continue;
      const record = await this.#o.store.journey(journey.id);
      if (record === undefined) continue;
      const segment = (await this.#o.segments.list()).find((s) => s.name === entry.segment);
      if (segment === undefined) continue;
      if (entry.dateTrait !== undefined) {
        entered += await this.#anniversaries(journey.id, segment.id, entry.dateTrait, entry.localTime ?? '09:00', now);
        continue;
      }
      const due =
        entry.at !== undefined
          ? record.scheduledAt === null && Date.parse(entry.at) <= now
          : entry.every !== undefined && now >= (record.scheduledAt ?? record.updatedAt) + entry.every.amount * spanMs[entry.every.unit];
      if (!due) continue;
      await this.#o.store.updateJourney({ ...record, scheduledAt: now });
      for (let after: string | undefined; ; ) {
        const members = await this.#o.segments.members(segment.id, { limit: pageSize, after });
        entered += await this.#o.stage.enterMembers(journey.id, members.map((m) => m.profileId));
        if (members.length < pageSize) break;
        after = members.at(-1)?.profileId;
      }
    }
    return entered;
  }

  /** Members whose date trait's month and day is today where they live, once its local time has come. */
  async #anniversaries(journeyId: string, segmentId: string, dateTrait: string, localTime: string, now: number): Promise<number> {
    const due: string[] = [];
    const names = new Set<string>();
    for (let after: string | undefined; ; ) {
      const members = await this.#o.segments.members(segmentId, { limit: pageSize, after });
      const profiles = await this.#o.identity.profiles(members.map((m) => m.profileId));
      for (const member of members) {
        const profile = profiles.get(member.profileId);
        if (profile === undefined) continue;
        const facts = factsOf(profile, names, this.#o.facts, now);
        const raw = facts.traits[dateTrait];
        if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(raw)) continue;
        const today = wallClock(now, facts.timeZone);
        const [month, day] = [Number(raw.slice(5, 7)), Number(raw.slice(8, 10))];
        if (today.month !== month || today.day !== day) continue;
        const at = instantOf({ year: today.year, month, day, hour: Number(localTime.slice(0, 2)), minute: Number(localTime.slice(3, 5)) }, facts.timeZone);
        if (now < at) continue;
        const instances = await this.#o.store.instancesOf([member.profileId]);
        // Once a year: not again within the next 300 days.
        if (instances.some((i) => i.journeyId === journeyId && i.enteredAt > now - 300 * spanMs.days)) continue;
        due.push(member.profileId);
      }
      if (members.length < pageSize) break;
      after = members.at(-1)?.profileId;
    }
    return due.length === 0 ? 0 : this.#o.stage.enterMembers(journeyId, due);
  }
}
