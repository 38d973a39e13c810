import type {} from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { Collector, ImportService, SourceService, TrackingPlanService } from '../collect/index.js';
import type { Clock } from '../lib/clock.js';
import type { ErasureService, ProfileMatchingService, ProfileService, SuppressionService } from '../profiles/index.js';
import type { JourneyService } from '../journeys/index.js';
import type { ComputedTraitService, SegmentService } from '../segments/index.js';
import type { EventStore, RejectionStore } from '../store/index.js';
import type { Delivery } from './delivery.js';
import type { Metrics } from './metrics.js';

/** The Fastify instance with TypeBox schemas as the source of request and reply types. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The use cases the HTTP layer calls; built once by the composition root. */
export interface Services {
  readonly clock: Clock;
  readonly sources: SourceService;
  readonly plans: TrackingPlanService;
  readonly collector: Collector;
  readonly imports: ImportService;
  readonly events: Pick<EventStore, 'list'>;
  readonly rejections: Pick<RejectionStore, 'list'>;
  readonly profiles: ProfileService;
  readonly matches: ProfileMatchingService;
  readonly segments: SegmentService;
  readonly traits: ComputedTraitService;
  readonly journeys: JourneyService;
  readonly suppressions: SuppressionService;
  readonly erasure: ErasureService;
  readonly metrics: Metrics;
  /** Templates, channel configuration, the delivery outbox and engagement tracking. */
  readonly delivery: Delivery;
  /** True once storage is open and the log has been replayed into every projection. */
  readonly isReady: () => boolean;
  readonly adminToken: string;
}
