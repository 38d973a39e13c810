import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsSources {
  /** Messages waiting for the log's fsync. */
  inflightMessages(): number;
  /** Log records not yet applied, by projection. */
  projectionLags(): Promise<Record<string, number>>;
  /** Changed profiles not yet applied to the profile mirror. */
  mirrorPendingProfiles(): Promise<number>;
}

/** Prometheus metrics of one Tessera process, on their own registry. */
export class Metrics {
  readonly registry = new Registry();
  readonly trackedMessages = new Counter({
    name: 'tessera_tracking_messages_total',
    help: 'Messages received on the tracking API, by outcome (accepted, duplicate, rejected)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly erasedMessagesDropped = new Counter({
    name: 'tessera_erased_messages_dropped_total',
    help: 'Messages dropped because they carry an erased identifier, by stage (unify, event-store)',
    labelNames: ['stage'] as const,
    registers: [this.registry],
  });
  readonly httpRequests = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'HTTP request duration by route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'tessera_' });
    new Gauge({
      name: 'tessera_ingest_inflight_messages',
      help: 'Messages accepted by the tracking API but not yet on disk',
      registers: [this.registry],
      collect() {
        this.set(sources.inflightMessages());
      },
    });
    new Gauge({
      name: 'tessera_projection_lag_records',
      help: 'Log records not yet applied, by projection (unify, event-store)',
      labelNames: ['projection'] as const,
      registers: [this.registry],
      async collect() {
        for (const [projection, lag] of Object.entries(await sources.projectionLags())) this.set({ projection }, lag);
      },
    });
    new Gauge({
      name: 'tessera_profile_mirror_pending_profiles',
      help: 'Profiles changed but not yet applied to the profile mirror segment queries read (its lag)',
      registers: [this.registry],
      async collect() {
        this.set(await sources.mirrorPendingProfiles());
      },
    });
  }
}
