export { SqliteEventLog, type SqliteEventLogOptions } from './event-log.js';
export { openSqliteOperationalStore } from './operational-store.js';
