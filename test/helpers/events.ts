import type { EventsPage, StoredEvent } from '../../src/contracts/index.js';

/** Every stored event matching `query`, following nextCursor through /api/v1/events 1,000 at a time. */
export async function allEvents(baseUrl: string, adminToken: string, query: Record<string, string> = {}): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ ...query, limit: '1000', ...(cursor !== null && { cursor }) });
    const response = await fetch(`${baseUrl}/api/v1/events?${params.toString()}`, { headers: { authorization: `Bearer ${adminToken}` } });
    if (response.status !== 200) throw new Error(`GET /api/v1/events answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as EventsPage;
    events.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return events;
}

/** How many times each messageId occurs. */
export function countByMessageId(events: readonly StoredEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { messageId } of events) counts.set(messageId, (counts.get(messageId) ?? 0) + 1);
  return counts;
}
