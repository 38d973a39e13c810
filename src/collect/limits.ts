/** Segment's HTTP Tracking API limits, which Tessera enforces the same way. */
export const trackingLimits = {
  /** Largest single message, and largest body of a single-message call. */
  maxMessageBytes: 32 * 1024,
  /** Largest body of a /v1/batch call. */
  maxBatchBytes: 500 * 1024,
  /** Most messages in one /v1/batch call. */
  maxBatchMessages: 2500,
  maxMessageIdLength: 100,
} as const;
