/**
 * Log: following the durable log. Every store after collect is a projection
 * fed by a LogFollower from its own checkpoint, so any of them can be rebuilt
 * by replaying the log.
 */
export { LogFollower, type FollowerOptions, type IngestPacing, type Projection } from './follower.js';
export { OutboxRelay, type Outbox } from './outbox-relay.js';
