import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../schema.js';
import type { Inventory, ProductOption, Variant, VariantPatch, VariantStore, YesNo } from '../shop-types.js';
import { atomic } from './rows.js';

/** Tables of migration 012; option values are JSON text on both dialects. */
interface ProductOptionsTable { mall_id: string; product_no: number; position: number; option_name: string; option_values: string }
interface VariantsTable {
  mall_id: string; product_no: number; variant_code: string; position: number; option_values: string; custom_variant_code: string;
  display: YesNo; selling: YesNo; additional_amount: number; use_inventory: YesNo; important_inventory: 'A' | 'B';
  inventory_control_type: 'A' | 'B'; display_soldout: YesNo; quantity: number; safety_inventory: number; created_at: number; updated_at: number;
}
type VariantTables = { product_options: ProductOptionsTable; variants: VariantsTable };

/** Cafe24's variant code: the product code and 4 upper-case base-36 digits (P000000A000A). */
export const variantCodeOf = (productCode: string, position: number): string => `${productCode}${position.toString(36).toUpperCase().padStart(4, '0')}`;

const toVariant = (r: Selectable<VariantsTable>): Variant => ({
  mallId: r.mall_id,
  productNo: r.product_no,
  variantCode: r.variant_code,
  position: r.position,
  options: JSON.parse(r.option_values) as { name: string; value: string }[],
  customVariantCode: r.custom_variant_code,
  display: r.display,
  selling: r.selling,
  additionalAmount: Number(r.additional_amount),
  useInventory: r.use_inventory,
  importantInventory: r.important_inventory,
  inventoryControlType: r.inventory_control_type,
  displaySoldout: r.display_soldout,
  quantity: r.quantity,
  safetyInventory: r.safety_inventory,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

/** Every combination of the options' values, first option slowest (Cafe24's order). */
function combinations(options: ProductOption[]): { name: string; value: string }[][] {
  let out: { name: string; value: string }[][] = [[]];
  for (const o of options) out = out.flatMap((prefix) => o.values.map((value) => [...prefix, { name: o.name, value }]));
  return options.length === 0 ? [] : out;
}

export class KyselyVariants implements VariantStore {
  private readonly db: Kysely<Database & VariantTables>;
  constructor(db: Kysely<Database>) {
    this.db = db.withTables<VariantTables>();
  }

  setOptions(mallId: string, productNo: number, productCode: string, options: ProductOption[], now: number, inv: Inventory): Promise<Variant[]> {
    return atomic(this.db as unknown as Kysely<Database>, async (tx) => {
      const db = tx.withTables<VariantTables>();
      await db.deleteFrom('variants').where('mall_id', '=', mallId).where('product_no', '=', productNo).execute();
      await db.deleteFrom('product_options').where('mall_id', '=', mallId).where('product_no', '=', productNo).execute();
      if (options.length === 0) return [];
      await db.insertInto('product_options').values(options.map((o, i) => ({ mall_id: mallId, product_no: productNo, position: i + 1, option_name: o.name, option_values: JSON.stringify(o.values) }))).execute();
      const rows: VariantsTable[] = combinations(options).map((combo, i) => ({
        mall_id: mallId,
        product_no: productNo,
        variant_code: variantCodeOf(productCode, i + 1),
        position: i + 1,
        option_values: JSON.stringify(combo),
        custom_variant_code: '',
        display: 'T',
        selling: 'T',
        additional_amount: 0,
        use_inventory: inv.useInventory,
        important_inventory: inv.importantInventory,
        inventory_control_type: inv.inventoryControlType,
        display_soldout: inv.displaySoldout,
        quantity: inv.quantity,
        safety_inventory: inv.safetyInventory,
        created_at: now,
        updated_at: now,
      }));
      await db.insertInto('variants').values(rows).execute();
      return rows.map(toVariant);
    });
  }

  async options(mallId: string, productNo: number): Promise<ProductOption[]> {
    const rows = await this.db.selectFrom('product_options').selectAll().where('mall_id', '=', mallId).where('product_no', '=', productNo).orderBy('position').execute();
    return rows.map((r) => ({ name: r.option_name, values: JSON.parse(r.option_values) as string[] }));
  }

  async list(mallId: string, productNos: number[]): Promise<Variant[]> {
    if (productNos.length === 0) return [];
    const rows = await this.db
      .selectFrom('variants')
      .selectAll()
      .where('mall_id', '=', mallId)
      .where('product_no', 'in', [...new Set(productNos)])
      .orderBy('product_no')
      .orderBy('position')
      .execute();
    return rows.map(toVariant);
  }

  async get(mallId: string, productNo: number, variantCode: string): Promise<Variant | undefined> {
    const r = await this.db.selectFrom('variants').selectAll().where('mall_id', '=', mallId).where('product_no', '=', productNo).where('variant_code', '=', variantCode).executeTakeFirst();
    return r && toVariant(r);
  }

  async update(mallId: string, productNo: number, variantCode: string, p: VariantPatch, now: number): Promise<Variant | undefined> {
    const set: Partial<VariantsTable> = { updated_at: now };
    if (p.customVariantCode !== undefined) set.custom_variant_code = p.customVariantCode;
    if (p.display !== undefined) set.display = p.display;
    if (p.selling !== undefined) set.selling = p.selling;
    if (p.additionalAmount !== undefined) set.additional_amount = p.additionalAmount;
    if (p.useInventory !== undefined) set.use_inventory = p.useInventory;
    if (p.importantInventory !== undefined) set.important_inventory = p.importantInventory;
    if (p.inventoryControlType !== undefined) set.inventory_control_type = p.inventoryControlType;
    if (p.displaySoldout !== undefined) set.display_soldout = p.displaySoldout;
    if (p.quantity !== undefined) set.quantity = p.quantity;
    if (p.safetyInventory !== undefined) set.safety_inventory = p.safetyInventory;
    const r = await this.db
      .updateTable('variants')
      .set(set)
      .where('mall_id', '=', mallId)
      .where('product_no', '=', productNo)
      .where('variant_code', '=', variantCode)
      .returningAll()
      .executeTakeFirst();
    return r && toVariant(r);
  }
}
