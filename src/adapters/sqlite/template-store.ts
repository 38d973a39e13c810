import type { TemplateRecord, TemplateStore } from '../../store/index.js';
import type { SqliteDatabase } from './database.js';

/** Templates as JSON records beside the unique name they are looked up by. */
export class SqliteTemplateStore implements TemplateStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async create(template: TemplateRecord): Promise<boolean> {
    const changes = this.#db
      .prepare<[string, string, string]>('INSERT OR IGNORE INTO message_templates (id, name, record) VALUES (?, ?, ?)')
      .run(template.id, template.name, JSON.stringify(template)).changes;
    return changes === 1;
  }

  async update(template: TemplateRecord): Promise<boolean> {
    const taken = this.#db.prepare<[string, string], { id: string }>('SELECT id FROM message_templates WHERE name = ? AND id <> ?').get(template.name, template.id);
    if (taken !== undefined) return false;
    this.#db.prepare<[string, string, string]>('UPDATE message_templates SET name = ?, record = ? WHERE id = ?').run(template.name, JSON.stringify(template), template.id);
    return true;
  }

  async get(id: string): Promise<TemplateRecord | undefined> {
    const row = this.#db.prepare<[string], { record: string }>('SELECT record FROM message_templates WHERE id = ?').get(id);
    return row && (JSON.parse(row.record) as TemplateRecord);
  }

  async byName(name: string): Promise<TemplateRecord | undefined> {
    const row = this.#db.prepare<[string], { record: string }>('SELECT record FROM message_templates WHERE name = ?').get(name);
    return row && (JSON.parse(row.record) as TemplateRecord);
  }

  async list(): Promise<TemplateRecord[]> {
    return this.#db
      .prepare<[], { record: string }>('SELECT record FROM message_templates ORDER BY name')
      .all()
      .map((row) => JSON.parse(row.record) as TemplateRecord);
  }

  async remove(id: string): Promise<boolean> {
    return this.#db.prepare<[string]>('DELETE FROM message_templates WHERE id = ?').run(id).changes === 1;
  }
}
