/**
 * `shopauth/client`: the app developer's side of Cafe24-style OAuth and the Admin API, and of
 * POD Shop's API, against shopauth or the real platforms. Node built-ins only; no server code.
 */
export { mallRoot } from './endpoints.js';
export * from './errors.js';
export { FileTokenStore, writeFileAtomic, type FileTokenStoreOptions } from './file-token-store.js';
export { verifyLaunch, type Launch } from './launch.js';
export {
  authorizationUrl,
  basicAuth,
  exchangeCode,
  handleCallback,
  introspect,
  refresh,
  revoke,
  type AppConfig,
  type PendingAuthorization,
  type TokenSet,
} from './oauth.js';
export { CallPacer, type PacingOptions } from './pacer.js';
export { PodClient, type PodClientOptions, type PodOrder, type PodOrderInput } from './pod-client.js';
export type * from './resources.js';
export { ShopClient, type ShopClientOptions } from './shop-client.js';
export { TokenManager } from './token-manager.js';
export { MemoryTokenStore, Mutex, type TokenStore } from './token-store.js';
export type { ApiResponse, RequestOptions, RetryOptions } from './transport.js';
export { verifyWebhook, WebhookVerificationError, type VerifiedWebhook } from './webhook.js';
