import { ApiError, ShopauthError } from '../errors.js';
import type { Clock } from '../clock.js';
import type { Mall, Store } from '../store/types.js';
import { MAX_CATEGORY_DEPTH, ROOT_CATEGORY_NO, type Category, type CategoryFilter, type CategoryPatch, type YesNo } from '../store/shop-types.js';
import { checkShopNo, invalidParameter, notFound, numbers, pageOf, pick, values, type Query } from './resources.js';

/** Categories (scopes mall.read_category / mall.write_category), in Cafe24's shape. */
type Path = Record<'1' | '2' | '3' | '4', string | null>;

export function categoryView(c: Category, mall: Mall, ancestors: Map<number, Category>) {
  // Cafe24's full_category_name / full_category_no: the path from the top, by depth.
  const chain: Category[] = [c];
  for (let p = ancestors.get(c.parentCategoryNo); p && chain.length < MAX_CATEGORY_DEPTH; p = ancestors.get(p.parentCategoryNo)) chain.unshift(p);
  const names: Path = { 1: null, 2: null, 3: null, 4: null };
  const nos: Record<keyof Path, number | null> = { 1: null, 2: null, 3: null, 4: null };
  chain.forEach((x, i) => {
    const depth = String(i + 1) as keyof Path;
    names[depth] = x.categoryName;
    nos[depth] = x.categoryNo;
  });
  return {
    shop_no: mall.shopNo,
    category_no: c.categoryNo,
    category_depth: c.categoryDepth,
    parent_category_no: c.parentCategoryNo,
    category_name: c.categoryName,
    display_type: c.displayType,
    full_category_name: names,
    full_category_no: nos,
    root_category_no: chain[0]!.categoryNo,
    use_main: c.useMain,
    use_display: c.useDisplay,
    display_order: c.displayOrder,
  };
}

/** The ancestors of these categories (at most three levels up), by number. */
async function ancestorsOf(store: Store, mall: Mall, cats: Category[]): Promise<Map<number, Category>> {
  const known = new Map(cats.map((c) => [c.categoryNo, c]));
  let wanted = cats.map((c) => c.parentCategoryNo);
  for (let i = 0; i < MAX_CATEGORY_DEPTH - 1; i++) {
    wanted = [...new Set(wanted)].filter((n) => n !== ROOT_CATEGORY_NO && !known.has(n));
    if (wanted.length === 0) break;
    const found = await store.shop.categories.getMany(mall.mallId, wanted);
    for (const c of found) known.set(c.categoryNo, c);
    wanted = found.map((c) => c.parentCategoryNo);
  }
  return known;
}

async function views(store: Store, mall: Mall, cats: Category[], fields: Query['fields']) {
  const ancestors = await ancestorsOf(store, mall, cats);
  return cats.map((c) => pick(categoryView(c, mall, ancestors), fields));
}

function categoryFilter(q: Query): CategoryFilter {
  const f: CategoryFilter = {};
  const categoryNo = numbers(q.category_no);
  const depth = numbers(q.category_depth);
  const parent = numbers(q.parent_category_no);
  const name = values(q.category_name);
  if (categoryNo) f.categoryNo = categoryNo;
  if (depth) f.categoryDepth = depth;
  if (parent) f.parentCategoryNo = parent;
  if (name) f.categoryName = name;
  return f;
}

export async function listCategories(store: Store, mall: Mall, q: Query) {
  checkShopNo(mall, q.shop_no);
  const rows = await store.shop.categories.list(mall.mallId, categoryFilter(q), pageOf(q));
  return { categories: await views(store, mall, rows, q.fields) };
}

export async function countCategories(store: Store, mall: Mall, q: Query) {
  checkShopNo(mall, q.shop_no);
  return { count: await store.shop.categories.count(mall.mallId, categoryFilter(q)) };
}

export async function getCategory(store: Store, mall: Mall, categoryNo: number, q: Query) {
  checkShopNo(mall, q.shop_no);
  const c = await store.shop.categories.get(mall.mallId, categoryNo);
  if (!c) throw notFound(`category ${categoryNo}`);
  return { category: (await views(store, mall, [c], q.fields))[0]! };
}

/** The `request` of a category write (categoryCreateBody / categoryUpdateBody). */
export interface CategoryRequest {
  category_name?: string;
  parent_category_no?: number;
  display_type?: 'A' | 'P' | 'M';
  use_display?: YesNo;
  use_main?: YesNo;
  display_order?: number;
}

type Deps = { store: Store; clock: Clock };

export async function createCategory(deps: Deps, mall: Mall, body: { shop_no?: number; request: CategoryRequest }) {
  checkShopNo(mall, body.shop_no);
  const r = body.request;
  const parentNo = r.parent_category_no ?? ROOT_CATEGORY_NO;
  let depth = 1;
  if (parentNo !== ROOT_CATEGORY_NO) {
    const parent = await deps.store.shop.categories.get(mall.mallId, parentNo);
    if (!parent) throw invalidParameter(`request.parent_category_no: category ${parentNo} does not exist in this mall`);
    if (parent.categoryDepth >= MAX_CATEGORY_DEPTH) throw invalidParameter(`request.parent_category_no: categories nest at most ${MAX_CATEGORY_DEPTH} deep`);
    depth = parent.categoryDepth + 1;
  }
  const [c] = await deps.store.shop.categories.create(
    mall.mallId,
    [{ parentCategoryNo: parentNo, categoryDepth: depth, categoryName: r.category_name!, displayType: r.display_type ?? 'A', useDisplay: r.use_display ?? 'T', useMain: r.use_main ?? 'F', displayOrder: r.display_order ?? 0 }],
    deps.clock.now(),
  );
  return { category: (await views(deps.store, mall, [c!], undefined))[0]! };
}

/**
 * `POST /categories` with a list: each created on its own (Cafe24's multiple create): 201 when
 * all are, else 207 with, in order, each created category or the error that refused it.
 */
export async function createCategories(deps: Deps, mall: Mall, body: { shop_no?: number; request: CategoryRequest[] }): Promise<{ status: 201 | 207; body: { categories: unknown[] } }> {
  checkShopNo(mall, body.shop_no);
  const out: unknown[] = [];
  let failed = 0;
  for (const [i, request] of body.request.entries()) {
    try {
      out.push((await deps.store.transaction((tx) => createCategory({ store: tx, clock: deps.clock }, mall, { request }))).category);
    } catch (error) {
      if (!(error instanceof ShopauthError)) throw error;
      failed++;
      out.push({ error: { code: error.status, message: error.description.replace(/^request\./, `request[${i}].`), more_info: {} } });
    }
  }
  return { status: failed === 0 ? 201 : 207, body: { categories: out } };
}

/** 409 (Cafe24): an update whose every field already has the value sent. */
export const nothingChanged = (what: string) => new ApiError('conflict', `${what}: nothing to change, every field sent already has that value`);

export async function updateCategory(deps: Deps, mall: Mall, categoryNo: number, body: { shop_no?: number; request: CategoryRequest }) {
  checkShopNo(mall, body.shop_no);
  const r = body.request;
  const current = await deps.store.shop.categories.get(mall.mallId, categoryNo);
  if (!current) throw notFound(`category ${categoryNo}`);
  const patch: CategoryPatch = {};
  if (r.category_name !== undefined && r.category_name !== current.categoryName) patch.categoryName = r.category_name;
  if (r.display_type !== undefined && r.display_type !== current.displayType) patch.displayType = r.display_type;
  if (r.use_display !== undefined && r.use_display !== current.useDisplay) patch.useDisplay = r.use_display;
  if (r.use_main !== undefined && r.use_main !== current.useMain) patch.useMain = r.use_main;
  if (r.display_order !== undefined && r.display_order !== current.displayOrder) patch.displayOrder = r.display_order;
  if (Object.keys(patch).length === 0) throw nothingChanged(`category ${categoryNo}`);
  const c = await deps.store.shop.categories.update(mall.mallId, categoryNo, patch, deps.clock.now());
  if (!c) throw notFound(`category ${categoryNo}`);
  return { category: (await views(deps.store, mall, [c], undefined))[0]! };
}

export async function deleteCategory(store: Store, mall: Mall, categoryNo: number, q: Query) {
  checkShopNo(mall, q.shop_no);
  if (!(await store.shop.categories.get(mall.mallId, categoryNo))) throw notFound(`category ${categoryNo}`);
  // *inferred*: Cafe24's admin refuses to delete a category that still has sub-categories.
  if (await store.shop.categories.hasChildren(mall.mallId, categoryNo)) throw invalidParameter(`category ${categoryNo} has sub-categories: delete them first`);
  await store.shop.categories.delete(mall.mallId, categoryNo);
  return { category: { category_no: categoryNo } };
}
