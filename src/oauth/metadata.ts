import { KNOWN_SCOPES } from './scopes.js';

/**
 * RFC 8414 §2: the authorization server metadata of one mall. Every endpoint is under the mall's
 * issuer (`{base}/malls/{mall_id}`, wire.md Tenancy); the signing keys are server-wide.
 */
export function authorizationServerMetadata(base: string, issuer: string): Record<string, unknown> {
  const oauth = `${issuer}/api/v2/oauth`;
  const clientAuth = ['client_secret_basic', 'client_secret_post'];
  return {
    issuer,
    authorization_endpoint: `${oauth}/authorize`,
    token_endpoint: `${oauth}/token`,
    revocation_endpoint: `${oauth}/revoke`,
    introspection_endpoint: `${oauth}/introspect`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    scopes_supported: KNOWN_SCOPES,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    // `none`: public clients, which must use PKCE (RFC 7636; RFC 9700 §2.1.1).
    token_endpoint_auth_methods_supported: [...clientAuth, 'none'],
    revocation_endpoint_auth_methods_supported: [...clientAuth, 'none'],
    // RFC 7662 §2.1: the caller of introspection must authenticate; public clients cannot.
    introspection_endpoint_auth_methods_supported: clientAuth,
    // RFC 7636 §4.2 and RFC 9700 §2.1.1: `plain` is refused.
    code_challenge_methods_supported: ['S256'],
    // RFC 9207 §3.
    authorization_response_iss_parameter_supported: true,
  };
}
