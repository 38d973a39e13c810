/**
 * The official server-side SDKs (Segment's analytics-node, RudderStack's
 * rudder-sdk-node) behind one promise-based client: each call resolves once
 * the SDK reports the message delivered (acknowledged by the server), so a
 * test can send a step, await it, and know the server has it.
 */
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';

type Json = Record<string, unknown>;

/** What every call may carry. Rudder ignores `timestamp` as the event time (see test/sdk.test.ts); Segment honours it. */
interface CallBase {
  readonly userId?: string;
  readonly anonymousId?: string;
  readonly messageId?: string;
  readonly timestamp?: Date;
  readonly context?: Json;
}

export interface SdkClient {
  identify(call: CallBase & { traits?: Json }): Promise<void>;
  track(call: CallBase & { event: string; properties?: Json }): Promise<void>;
  page(call: CallBase & { name: string; properties?: Json }): Promise<void>;
  screen(call: CallBase & { name: string; properties?: Json }): Promise<void>;
  alias(call: { userId: string; previousId: string; messageId?: string; timestamp?: Date }): Promise<void>;
  /** Flushes what is queued and stops the client. */
  close(): Promise<void>;
}

export type SdkName = 'segment' | 'rudderstack';

type Method = (call: object, done: (error?: unknown) => void) => unknown;
type Methods = Record<'identify' | 'track' | 'page' | 'screen' | 'alias', Method>;

const delivered =
  (method: Method) =>
  (call: object): Promise<void> =>
    new Promise((resolve, reject) => {
      method(call, (error) => {
        if (error === undefined || error === null) resolve();
        else reject(error instanceof Error ? error : new Error(`delivery failed: ${JSON.stringify(error)}`));
      });
    });

/** A client of `sdk` sending to `url` with `writeKey`; every message is sent at once (flushAt 1), as the scenario steps need. */
export function connectSdk(sdk: SdkName, writeKey: string, url: string): SdkClient {
  let methods: Methods;
  let close: () => Promise<void>;
  if (sdk === 'segment') {
    const analytics = new SegmentAnalytics({ writeKey, host: url, flushAt: 1, flushInterval: 20, maxRetries: 3 });
    methods = bound(analytics);
    close = () => analytics.closeAndFlush();
  } else {
    const analytics = new RudderAnalytics(writeKey, { dataPlaneUrl: url, flushAt: 1, flushInterval: 20, retryCount: 3, logLevel: 'error' });
    methods = bound(analytics);
    close = async () => {
      await analytics.flush();
    };
  }
  return {
    identify: delivered(methods.identify),
    track: delivered(methods.track),
    page: delivered(methods.page),
    screen: delivered(methods.screen),
    alias: delivered(methods.alias),
    close,
  };
}

/** The SDK's tracking methods, bound to it; both SDKs take (call, callback). */
function bound(analytics: object): Methods {
  const of = (name: keyof Methods): Method => {
    const method = (analytics as Record<string, unknown>)[name];
    if (typeof method !== 'function') throw new Error(`the SDK has no ${name} method`);
    return (method as Method).bind(analytics);
  };
  return { identify: of('identify'), track: of('track'), page: of('page'), screen: of('screen'), alias: of('alias') };
}
