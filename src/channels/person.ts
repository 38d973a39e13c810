/** What the channels read about a person: their golden and computed trait values and their identifier keys. */
export interface Person {
  readonly id: string;
  readonly traits: Readonly<Record<string, unknown>>;
  /** `type:value`, as the identity graph stores them. */
  readonly identifiers: readonly string[];
}

/** Reads a person by profile id (a merged-away id answers with its survivor); undefined when there is none (erased). */
export type PersonReader = (profileId: string) => Promise<Person | undefined>;
