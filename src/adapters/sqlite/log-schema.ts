import type { Migration } from './database.js';

/** The embedded log's tables: the records, and the dedupe keys with when they were first seen. */
export const logMigrations: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE log (
        offset INTEGER PRIMARY KEY AUTOINCREMENT,
        partition_key TEXT NOT NULL,
        payload TEXT NOT NULL
      );
      CREATE TABLE dedupe (
        key TEXT PRIMARY KEY,
        at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX dedupe_at ON dedupe (at);
    `,
  },
];
