/**
 * Shop data behind the Admin API (issue 4): products, customers, orders. Every call is scoped to
 * one mall; a record of another mall is as good as absent. Money is integer hundredths of the
 * currency unit (15000.00 KRW = 1500000); the API shows it as a decimal string. Times are epoch ms.
 */
export type YesNo = 'T' | 'F';

export interface Product {
  mallId: string;
  productNo: number;
  /** "P" + 7 upper-case base-36 digits of productNo, as Cafe24 shows it: P000000A. */
  productCode: string;
  customProductCode: string;
  productName: string;
  engProductName: string;
  modelName: string;
  price: number;
  retailPrice: number;
  supplyPrice: number;
  display: YesNo;
  selling: YesNo;
  summaryDescription: string;
  stockQuantity: number;
  createdAt: number;
  updatedAt: number;
}

export type ProductInput = Omit<Product, 'mallId' | 'productNo' | 'productCode' | 'createdAt' | 'updatedAt'>;
export type ProductPatch = Partial<ProductInput>;

export interface ProductFilter {
  productNo?: number[];
  productCode?: string[];
  customProductCode?: string[];
  /** Substring match, any of them (Cafe24: comma-separated values combine as OR). */
  productName?: string[];
  display?: YesNo;
  selling?: YesNo;
  /** Products linked to any of these categories. */
  categoryNo?: number[];
}

export interface Customer {
  mallId: string;
  memberId: string;
  name: string;
  email: string;
  cellphone: string;
  gender: 'M' | 'F' | null;
  /** YYYY-MM-DD or null. */
  birthday: string | null;
  groupNo: number;
  sms: YesNo;
  newsMail: YesNo;
  createdAt: number;
}

export type CustomerInput = Omit<Customer, 'mallId'>;

export interface CustomerFilter {
  memberId?: string[];
  email?: string[];
  cellphone?: string[];
  /** Substring match, any of them. */
  name?: string[];
}

/** Cafe24 order status codes: N00 awaiting payment ... N40 delivered; C40 cancelled; R40 returned. */
export const ORDER_STATUSES = ['N00', 'N10', 'N20', 'N22', 'N30', 'N40', 'C40', 'R40'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderItem {
  itemNo: number;
  productNo: number;
  productCode: string;
  productName: string;
  quantity: number;
  productPrice: number;
}

export interface Receiver {
  name: string;
  zipcode: string;
  address1: string;
  address2: string;
  cellphone: string;
  /** ISO 3166-1 alpha-2. */
  countryCode: string;
}

export interface Order {
  mallId: string;
  /** YYYYMMDD-NNNNNNN: the mall's local order date and a per-mall sequence. */
  orderId: string;
  seq: number;
  memberId: string | null;
  buyerName: string;
  buyerEmail: string;
  buyerCellphone: string;
  receiver: Receiver;
  orderStatus: OrderStatus;
  paid: YesNo;
  currency: string;
  orderPriceAmount: number;
  shippingFee: number;
  paymentAmount: number;
  orderedAt: number;
  items: OrderItem[];
}

/** What the store needs to write an order: ids and sequence numbers are its job. */
export type OrderInput = Omit<Order, 'mallId' | 'orderId' | 'seq' | 'items'> & { items: Omit<OrderItem, 'itemNo'>[] };

export interface OrderFilter {
  orderId?: string[];
  memberId?: string[];
  orderStatus?: OrderStatus[];
  /** Inclusive lower bound on orderedAt (epoch ms). */
  from?: number;
  /** Exclusive upper bound on orderedAt (epoch ms). */
  until?: number;
}

export interface Page {
  limit: number;
  offset: number;
}

export interface ProductStore {
  /** Inserts in order, numbering them from the mall's counter; returns them as stored. */
  create(mallId: string, inputs: ProductInput[], now: number): Promise<Product[]>;
  get(mallId: string, productNo: number): Promise<Product | undefined>;
  /** Several at once (order creation): those that exist, in no particular order. */
  getMany(mallId: string, productNos: number[]): Promise<Product[]>;
  update(mallId: string, productNo: number, patch: ProductPatch, now: number): Promise<Product | undefined>;
  delete(mallId: string, productNo: number): Promise<boolean>;
  /** Ordered by product_no. */
  list(mallId: string, filter: ProductFilter, page: Page): Promise<Product[]>;
  count(mallId: string, filter: ProductFilter): Promise<number>;
}

export interface CustomerStore {
  create(mallId: string, inputs: CustomerInput[]): Promise<void>;
  get(mallId: string, memberId: string): Promise<Customer | undefined>;
  /** Ordered by created_at, then member_id. */
  list(mallId: string, filter: CustomerFilter, page: Page): Promise<Customer[]>;
  count(mallId: string, filter: CustomerFilter): Promise<number>;
}

export interface OrderStore {
  /** Inserts orders with their items, numbering them from the mall's counter; `orderId` names each. */
  create(mallId: string, inputs: OrderInput[], orderId: (seq: number, orderedAt: number) => string): Promise<Order[]>;
  get(mallId: string, orderId: string): Promise<Order | undefined>;
  /** Sets the order's status; the order as it now is and the status it had, or undefined if there is no such order. */
  setStatus(mallId: string, orderId: string, status: OrderStatus): Promise<{ order: Order; previous: OrderStatus } | undefined>;
  /** Ordered by ordered_at, then sequence. */
  list(mallId: string, filter: OrderFilter, page: Page): Promise<Order[]>;
  count(mallId: string, filter: OrderFilter): Promise<number>;
}

// ---- categories (issue 16) ------------------------------------------------------------------

/** Top-level categories have parent 1, Cafe24's root; depth 1 to 4. */
export const ROOT_CATEGORY_NO = 1;
export const MAX_CATEGORY_DEPTH = 4;

export interface Category {
  mallId: string;
  categoryNo: number;
  parentCategoryNo: number;
  categoryDepth: number;
  categoryName: string;
  /** A all, P PC only, M mobile only. */
  displayType: 'A' | 'P' | 'M';
  useDisplay: YesNo;
  useMain: YesNo;
  displayOrder: number;
  createdAt: number;
  updatedAt: number;
}

export type CategoryInput = Omit<Category, 'mallId' | 'categoryNo' | 'createdAt' | 'updatedAt'>;
export type CategoryPatch = Partial<Pick<Category, 'categoryName' | 'displayType' | 'useDisplay' | 'useMain' | 'displayOrder'>>;

export interface CategoryFilter {
  categoryNo?: number[];
  categoryDepth?: number[];
  parentCategoryNo?: number[];
  /** Substring match, any of them. */
  categoryName?: string[];
}

/** A product's place in a category (Cafe24's product `category` list). */
export interface CategoryLink {
  productNo: number;
  categoryNo: number;
  recommend: YesNo;
  new: YesNo;
}

export interface CategoryStore {
  /** Numbers come from the mall's counter (Cafe24's first free number is 24: below are its own). */
  create(mallId: string, inputs: CategoryInput[], now: number): Promise<Category[]>;
  get(mallId: string, categoryNo: number): Promise<Category | undefined>;
  getMany(mallId: string, categoryNos: number[]): Promise<Category[]>;
  update(mallId: string, categoryNo: number, patch: CategoryPatch, now: number): Promise<Category | undefined>;
  /** Deletes the category and its product links. */
  delete(mallId: string, categoryNo: number): Promise<boolean>;
  /** Ordered by depth, parent, display_order, category_no. */
  list(mallId: string, filter: CategoryFilter, page: Page): Promise<Category[]>;
  count(mallId: string, filter: CategoryFilter): Promise<number>;
  /** Has this category children? */
  hasChildren(mallId: string, categoryNo: number): Promise<boolean>;
  /** The links of these products, by product then category. */
  linksOf(mallId: string, productNos: number[]): Promise<CategoryLink[]>;
  /** Adds (or replaces) links and removes others, in one transaction. */
  link(mallId: string, add: CategoryLink[], remove: { productNo: number; categoryNo: number }[]): Promise<void>;
}

// ---- scripttags (issue 16) -------------------------------------------------------------------

export interface Scripttag {
  mallId: string;
  /** Cafe24 shows a long number as a string: milliseconds of creation and a sequence. */
  scriptNo: string;
  clientId: string;
  src: string;
  displayLocation: string[];
  excludePath: string[];
  skinNo: number[];
  integrity: string | null;
  createdAt: number;
  updatedAt: number;
}

export type ScripttagInput = Omit<Scripttag, 'mallId' | 'scriptNo' | 'createdAt' | 'updatedAt'>;
export type ScripttagPatch = Partial<Pick<Scripttag, 'src' | 'displayLocation' | 'excludePath' | 'skinNo' | 'integrity'>>;

export interface ScripttagFilter {
  /** Only this app's tags (the API never shows an app another's). */
  clientId?: string;
  scriptNo?: string[];
  src?: string[];
  /** Tags shown at any of these locations (a tag at "all" is shown everywhere). */
  displayLocation?: string[];
  skinNo?: number[];
}

export interface ScripttagStore {
  create(mallId: string, input: ScripttagInput, now: number): Promise<Scripttag>;
  get(mallId: string, scriptNo: string): Promise<Scripttag | undefined>;
  update(mallId: string, scriptNo: string, patch: ScripttagPatch, now: number): Promise<Scripttag | undefined>;
  delete(mallId: string, scriptNo: string): Promise<boolean>;
  /** Oldest first; every tag matching (a mall has few). */
  list(mallId: string, filter: ScripttagFilter): Promise<Scripttag[]>;
}

// ---- options, variants and inventories (issue 16) -------------------------------------------

export interface ProductOption {
  name: string;
  values: string[];
}

export interface Inventory {
  useInventory: YesNo;
  /** A normal, B important (Cafe24). */
  importantInventory: 'A' | 'B';
  /** A: stock goes down when an order is placed, B: when it is paid (Cafe24). */
  inventoryControlType: 'A' | 'B';
  displaySoldout: YesNo;
  quantity: number;
  safetyInventory: number;
}

export interface Variant extends Inventory {
  mallId: string;
  productNo: number;
  /** The product code and 4 upper-case base-36 digits of the variant's position: P000000A000A. */
  variantCode: string;
  position: number;
  /** One value per option of the product, in the options' order. */
  options: { name: string; value: string }[];
  customVariantCode: string;
  display: YesNo;
  selling: YesNo;
  /** Added to the product's price, integer hundredths (may be negative). */
  additionalAmount: number;
  createdAt: number;
  updatedAt: number;
}

export type VariantPatch = Partial<Pick<Variant, 'customVariantCode' | 'display' | 'selling' | 'additionalAmount'> & Inventory>;

export interface VariantStore {
  /** Replaces the product's options and makes one variant per combination of values. */
  setOptions(mallId: string, productNo: number, productCode: string, options: ProductOption[], now: number, defaults: Inventory): Promise<Variant[]>;
  options(mallId: string, productNo: number): Promise<ProductOption[]>;
  /** Variants of these products, by product then position. */
  list(mallId: string, productNos: number[]): Promise<Variant[]>;
  get(mallId: string, productNo: number, variantCode: string): Promise<Variant | undefined>;
  update(mallId: string, productNo: number, variantCode: string, patch: VariantPatch, now: number): Promise<Variant | undefined>;
}

/** An app's own setting of the Admin API usage layer ("calls/seconds/window" or "off"). */
export interface UsageLimitStore {
  get(clientId: string): Promise<string | undefined>;
  /** null removes the setting (the server's default applies). */
  set(clientId: string, value: string | null): Promise<void>;
}

export interface ShopStore {
  readonly products: ProductStore;
  readonly customers: CustomerStore;
  readonly orders: OrderStore;
  readonly categories: CategoryStore;
  readonly scripttags: ScripttagStore;
  readonly usageLimits: UsageLimitStore;
  readonly variants: VariantStore;
}
