import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../schema.js';
import type { Category, CategoryFilter, CategoryInput, CategoryLink, CategoryPatch, CategoryStore, Page, YesNo } from '../shop-types.js';
import { atomic } from './rows.js';
import { Prepared } from './prepared.js';
import { contains, reserve, type ShopDb } from './shop-db.js';

/** Tables of migration 011 (categories and the products in them). */
interface CategoriesTable {
  mall_id: string; category_no: number; parent_category_no: number; category_depth: number; category_name: string;
  display_type: 'A' | 'P' | 'M'; use_display: YesNo; use_main: YesNo; display_order: number; created_at: number; updated_at: number;
}
interface ProductCategoriesTable { mall_id: string; product_no: number; category_no: number; recommend: YesNo; new: YesNo }
type CategoryTables = { categories: CategoriesTable; product_categories: ProductCategoriesTable };
type CategoryDb = Kysely<Database & CategoryTables>;

/** Cafe24 numbers its own categories below 24; a mall's first is 24 (*inferred* from its admin). */
const FIRST_CATEGORY_NO = 24;

const toCategory = (r: Selectable<CategoriesTable>): Category => ({
  mallId: r.mall_id,
  categoryNo: r.category_no,
  parentCategoryNo: r.parent_category_no,
  categoryDepth: r.category_depth,
  categoryName: r.category_name,
  displayType: r.display_type,
  useDisplay: r.use_display,
  useMain: r.use_main,
  displayOrder: r.display_order,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const columns = (p: CategoryPatch): Partial<CategoriesTable> => {
  const out: Partial<CategoriesTable> = {};
  if (p.categoryName !== undefined) out.category_name = p.categoryName;
  if (p.displayType !== undefined) out.display_type = p.displayType;
  if (p.useDisplay !== undefined) out.use_display = p.useDisplay;
  if (p.useMain !== undefined) out.use_main = p.useMain;
  if (p.displayOrder !== undefined) out.display_order = p.displayOrder;
  return out;
};

function where(eb: ExpressionBuilder<CategoryTables, 'categories'>, mallId: string, f: CategoryFilter) {
  const and = [eb('mall_id', '=', mallId)];
  if (f.categoryNo) and.push(eb('category_no', 'in', f.categoryNo));
  if (f.categoryDepth) and.push(eb('category_depth', 'in', f.categoryDepth));
  if (f.parentCategoryNo) and.push(eb('parent_category_no', 'in', f.parentCategoryNo));
  if (f.categoryName) and.push(eb.or(f.categoryName.map((n) => sql<boolean>`lower(category_name) like ${contains(n.toLowerCase())} escape '\\'`)));
  return eb.and(and);
}

// The links of a page of products (every product list shows them), compiled once (store/kysely/prepared.ts).
const linksInRange = new Prepared<{ mallId: string; low: number; high: number }, Selectable<ProductCategoriesTable>, Database & CategoryTables>((db, p) =>
  db
    .selectFrom('product_categories')
    .selectAll()
    .where('mall_id', '=', p.mallId)
    .where('product_no', '>=', p.low)
    .where('product_no', '<=', p.high)
    .orderBy('product_no')
    .orderBy('category_no'),
);

export class KyselyCategories implements CategoryStore {
  private readonly db: CategoryDb;
  constructor(db: Kysely<Database>) {
    this.db = db.withTables<CategoryTables>();
  }

  create(mallId: string, inputs: CategoryInput[], now: number): Promise<Category[]> {
    if (inputs.length === 0) return Promise.resolve([]);
    return atomic(this.db as unknown as Kysely<Database>, async (tx) => {
      const db = tx.withTables<CategoryTables>();
      const first = (await reserve(tx as unknown as ShopDb, mallId, 'category', inputs.length)) + FIRST_CATEGORY_NO - 1;
      const rows: CategoriesTable[] = inputs.map((c, i) => ({
        mall_id: mallId,
        category_no: first + i,
        parent_category_no: c.parentCategoryNo,
        category_depth: c.categoryDepth,
        category_name: c.categoryName,
        display_type: c.displayType,
        use_display: c.useDisplay,
        use_main: c.useMain,
        display_order: c.displayOrder,
        created_at: now,
        updated_at: now,
      }));
      await db.insertInto('categories').values(rows).execute();
      return rows.map(toCategory);
    });
  }

  async get(mallId: string, categoryNo: number): Promise<Category | undefined> {
    const r = await this.db.selectFrom('categories').selectAll().where('mall_id', '=', mallId).where('category_no', '=', categoryNo).executeTakeFirst();
    return r && toCategory(r);
  }

  async getMany(mallId: string, categoryNos: number[]): Promise<Category[]> {
    if (categoryNos.length === 0) return [];
    const rows = await this.db.selectFrom('categories').selectAll().where('mall_id', '=', mallId).where('category_no', 'in', [...new Set(categoryNos)]).execute();
    return rows.map(toCategory);
  }

  async update(mallId: string, categoryNo: number, patch: CategoryPatch, now: number): Promise<Category | undefined> {
    const r = await this.db
      .updateTable('categories')
      .set({ ...columns(patch), updated_at: now })
      .where('mall_id', '=', mallId)
      .where('category_no', '=', categoryNo)
      .returningAll()
      .executeTakeFirst();
    return r && toCategory(r);
  }

  delete(mallId: string, categoryNo: number): Promise<boolean> {
    return atomic(this.db as unknown as Kysely<Database>, async (tx) => {
      const db = tx.withTables<CategoryTables>();
      // The links go first (ON DELETE CASCADE would too; explicit keeps the order plain).
      await db.deleteFrom('product_categories').where('mall_id', '=', mallId).where('category_no', '=', categoryNo).execute();
      const r = await db.deleteFrom('categories').where('mall_id', '=', mallId).where('category_no', '=', categoryNo).executeTakeFirst();
      return r.numDeletedRows > 0n;
    });
  }

  async list(mallId: string, filter: CategoryFilter, page: Page): Promise<Category[]> {
    const rows = await this.db
      .selectFrom('categories')
      .selectAll()
      .where((eb) => where(eb, mallId, filter))
      .orderBy('category_depth')
      .orderBy('parent_category_no')
      .orderBy('display_order')
      .orderBy('category_no')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return rows.map(toCategory);
  }

  async count(mallId: string, filter: CategoryFilter): Promise<number> {
    const r = await this.db
      .selectFrom('categories')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => where(eb, mallId, filter))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async hasChildren(mallId: string, categoryNo: number): Promise<boolean> {
    const r = await this.db.selectFrom('categories').select('category_no').where('mall_id', '=', mallId).where('parent_category_no', '=', categoryNo).limit(1).executeTakeFirst();
    return r !== undefined;
  }

  async linksOf(mallId: string, productNos: number[]): Promise<CategoryLink[]> {
    if (productNos.length === 0) return [];
    const wanted = new Set(productNos);
    let low = Infinity;
    let high = -Infinity;
    for (const n of wanted) {
      if (n < low) low = n;
      if (n > high) high = n;
    }
    // A page of products is a run of numbers, or nearly: one compiled range query, the strays dropped.
    if (high - low < 2 * wanted.size) {
      const rows = await linksInRange.all(this.db, { mallId, low, high });
      const links: CategoryLink[] = [];
      for (const r of rows) if (wanted.has(r.product_no)) links.push({ productNo: r.product_no, categoryNo: r.category_no, recommend: r.recommend, new: r.new });
      return links;
    }
    const rows = await this.db
      .selectFrom('product_categories')
      .selectAll()
      .where('mall_id', '=', mallId)
      .where('product_no', 'in', [...new Set(productNos)])
      .orderBy('product_no')
      .orderBy('category_no')
      .execute();
    return rows.map((r) => ({ productNo: r.product_no, categoryNo: r.category_no, recommend: r.recommend, new: r.new }));
  }

  link(mallId: string, add: CategoryLink[], remove: { productNo: number; categoryNo: number }[]): Promise<void> {
    if (add.length === 0 && remove.length === 0) return Promise.resolve();
    return atomic(this.db as unknown as Kysely<Database>, async (tx) => {
      const db = tx.withTables<CategoryTables>();
      for (const r of [...remove, ...add]) {
        await db.deleteFrom('product_categories').where('mall_id', '=', mallId).where('product_no', '=', r.productNo).where('category_no', '=', r.categoryNo).execute();
      }
      if (add.length > 0) {
        await db
          .insertInto('product_categories')
          .values(add.map((l) => ({ mall_id: mallId, product_no: l.productNo, category_no: l.categoryNo, recommend: l.recommend, new: l.new })))
          .execute();
      }
    });
  }
}
