// The little of oidc-provider 8's API the bench uses (the package ships no types).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface Token {
    save(): Promise<string>;
  }
  interface TokenConstructor {
    new (payload: Record<string, unknown>): Token;
  }
  interface GrantInstance {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    Client: { find(id: string): Promise<unknown> };
    Grant: { new (payload: { accountId: string; clientId: string }): GrantInstance };
    AccessToken: TokenConstructor;
    RefreshToken: TokenConstructor;
  }
}
