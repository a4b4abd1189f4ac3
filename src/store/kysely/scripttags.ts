import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../schema.js';
import type { Scripttag, ScripttagFilter, ScripttagInput, ScripttagPatch, ScripttagStore } from '../shop-types.js';
import { atomic, list } from './rows.js';
import { reserve, type ShopDb } from './shop-db.js';

/** Migration 011: scripttags; the lists are JSON text on both dialects. */
interface ScripttagsTable {
  mall_id: string; script_no: string; client_id: string; src: string; display_location: string; exclude_path: string;
  skin_no: string; integrity: string | null; created_at: number; updated_at: number;
}
type ScripttagTables = { scripttags: ScripttagsTable };

const toScripttag = (r: Selectable<ScripttagsTable>): Scripttag => ({
  mallId: r.mall_id,
  scriptNo: r.script_no,
  clientId: r.client_id,
  src: r.src,
  displayLocation: list(r.display_location),
  excludePath: list(r.exclude_path),
  skinNo: JSON.parse(r.skin_no) as number[],
  integrity: r.integrity,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export class KyselyScripttags implements ScripttagStore {
  private readonly db: Kysely<Database & ScripttagTables>;
  constructor(db: Kysely<Database>) {
    this.db = db.withTables<ScripttagTables>();
  }

  create(mallId: string, input: ScripttagInput, now: number): Promise<Scripttag> {
    return atomic(this.db as unknown as Kysely<Database>, async (tx) => {
      const seq = await reserve(tx as unknown as ShopDb, mallId, 'scripttag', 1);
      // Cafe24's script_no is a long number shown as a string: the creation second and a sequence.
      const row: ScripttagsTable = {
        mall_id: mallId,
        script_no: `${Math.floor(now / 1000)}${String(seq).padStart(6, '0')}`,
        client_id: input.clientId,
        src: input.src,
        display_location: JSON.stringify(input.displayLocation),
        exclude_path: JSON.stringify(input.excludePath),
        skin_no: JSON.stringify(input.skinNo),
        integrity: input.integrity,
        created_at: now,
        updated_at: now,
      };
      await tx.withTables<ScripttagTables>().insertInto('scripttags').values(row).execute();
      return toScripttag(row);
    });
  }

  async get(mallId: string, scriptNo: string): Promise<Scripttag | undefined> {
    const r = await this.db.selectFrom('scripttags').selectAll().where('mall_id', '=', mallId).where('script_no', '=', scriptNo).executeTakeFirst();
    return r && toScripttag(r);
  }

  async update(mallId: string, scriptNo: string, p: ScripttagPatch, now: number): Promise<Scripttag | undefined> {
    const set: Partial<ScripttagsTable> = { updated_at: now };
    if (p.src !== undefined) set.src = p.src;
    if (p.displayLocation !== undefined) set.display_location = JSON.stringify(p.displayLocation);
    if (p.excludePath !== undefined) set.exclude_path = JSON.stringify(p.excludePath);
    if (p.skinNo !== undefined) set.skin_no = JSON.stringify(p.skinNo);
    if (p.integrity !== undefined) set.integrity = p.integrity;
    const r = await this.db.updateTable('scripttags').set(set).where('mall_id', '=', mallId).where('script_no', '=', scriptNo).returningAll().executeTakeFirst();
    return r && toScripttag(r);
  }

  async delete(mallId: string, scriptNo: string): Promise<boolean> {
    const r = await this.db.deleteFrom('scripttags').where('mall_id', '=', mallId).where('script_no', '=', scriptNo).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async list(mallId: string, f: ScripttagFilter): Promise<Scripttag[]> {
    let q = this.db.selectFrom('scripttags').selectAll().where('mall_id', '=', mallId);
    if (f.clientId !== undefined) q = q.where('client_id', '=', f.clientId);
    if (f.scriptNo) q = q.where('script_no', 'in', f.scriptNo);
    if (f.src) q = q.where('src', 'in', f.src);
    const rows = (await q.orderBy('created_at').orderBy('script_no').execute()).map(toScripttag);
    // The list columns are JSON: a mall has few tags, so these filters run here.
    return rows.filter(
      (t) =>
        (!f.displayLocation || t.displayLocation.includes('all') || f.displayLocation.some((l) => t.displayLocation.includes(l))) &&
        (!f.skinNo || t.skinNo.length === 0 || f.skinNo.some((n) => t.skinNo.includes(n))),
    );
  }
}
