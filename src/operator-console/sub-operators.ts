import { ApiError } from '../errors.js';
import type { Mall, Operator } from '../store/types.js';
import type { AppContext } from '../app-context.js';
import { OAuthError } from '../oauth/errors.js';
import { addOperator, RegistryError } from '../registry/registry.js';

/**
 * The operator console's sub-operators (issue 11): the representative operator adds, lists and
 * removes them. Sub-operators may open apps but not approve or remove them (consent.ts,
 * installed-apps.ts). A removed operator's sessions die with the account (session.ts reads the
 * operator on every request).
 */
const representativeOnly = (operator: Operator) => {
  if (operator.userType !== 'P') throw new OAuthError('access_denied', 'only the representative operator can manage operators', { status: 403 });
};

type Meta = { ip: string; traceId: string };

export async function listOperators(ctx: AppContext, mall: Mall, by: Operator): Promise<Operator[]> {
  representativeOnly(by);
  return ctx.store.operators.list(mall.mallId);
}

/** Adds a sub-operator; bad input is a RegistryError (shown on the form). */
export async function addSubOperator(ctx: AppContext, mall: Mall, by: Operator, input: { userId: string; name: string; password: string }, meta: Meta) {
  representativeOnly(by);
  const name = input.name.trim();
  if (name.length > 200) throw new RegistryError('name must be at most 200 characters');
  // Batched, not in a transaction: the password's scrypt would hold SQLite's one write lock for its whole run.
  const added = await addOperator({ store: ctx.store, clock: ctx.clock, hasher: ctx.hasher }, { mallId: mall.mallId, userId: input.userId, password: input.password, userType: 'A', ...(name ? { name } : {}) });
  ctx.audit.record({ type: 'operator.added', mallId: mall.mallId, userId: added.userId, ...meta, detail: { by: by.userId } });
  return added;
}

/** Removes a sub-operator (never the representative); 404 if there is none by that id. */
export async function removeSubOperator(ctx: AppContext, mall: Mall, by: Operator, userId: string, meta: Meta): Promise<void> {
  representativeOnly(by);
  const target = await ctx.store.operators.get(mall.mallId, userId);
  if (!target || target.userType !== 'A') throw new ApiError('not_found', 'no such sub-operator');
  await ctx.store.transaction(async (store) => {
    await store.operators.remove(mall.mallId, userId);
    await ctx.audit.write(store, { type: 'operator.removed', mallId: mall.mallId, userId, ...meta, detail: { by: by.userId } });
  });
}
