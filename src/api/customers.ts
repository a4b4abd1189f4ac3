import type { Mall, Store } from '../store/types.js';
import type { Customer, CustomerFilter } from '../store/shop-types.js';
import { checkShopNo, notFound, pageOf, pick, values, type Query } from './resources.js';
import { isoLocal } from './shop-time.js';

/** Customers (scope mall.read_customer), in Cafe24's shape. */
export function customerView(c: Customer, mall: Mall) {
  return {
    shop_no: mall.shopNo,
    member_id: c.memberId,
    name: c.name,
    email: c.email,
    cellphone: c.cellphone,
    gender: c.gender,
    birthday: c.birthday,
    group_no: c.groupNo,
    sms: c.sms,
    news_mail: c.newsMail,
    created_date: isoLocal(c.createdAt, mall.timezone),
  };
}

function customerFilter(q: Query): CustomerFilter {
  const f: CustomerFilter = {};
  const memberId = values(q.member_id);
  const email = values(q.email);
  const cellphone = values(q.cellphone);
  const name = values(q.name);
  if (memberId) f.memberId = memberId;
  if (email) f.email = email;
  if (cellphone) f.cellphone = cellphone;
  if (name) f.name = name;
  return f;
}

export async function listCustomers(store: Store, mall: Mall, q: Query) {
  checkShopNo(mall, q.shop_no);
  const rows = await store.shop.customers.list(mall.mallId, customerFilter(q), pageOf(q));
  return { customers: rows.map((c) => pick(customerView(c, mall), q.fields)) };
}

export async function getCustomer(store: Store, mall: Mall, memberId: string, q: Query) {
  checkShopNo(mall, q.shop_no);
  const c = await store.shop.customers.get(mall.mallId, memberId);
  if (!c) throw notFound(`customer ${memberId}`);
  return { customer: pick(customerView(c, mall), q.fields) };
}
