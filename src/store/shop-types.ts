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

export interface ShopStore {
  readonly products: ProductStore;
  readonly customers: CustomerStore;
  readonly orders: OrderStore;
}
