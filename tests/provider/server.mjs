#!/usr/bin/env node
// Test OpenID Provider for tok's integration tests: a real oidc-provider 9.13.3
// (https://github.com/panva/node-oidc-provider) with a fixed account, auto-approving
// interactions and a few test-only knobs. Never use outside tests.
//
// Contract:
//   - listens on 127.0.0.1:$PORT (default 0 = any free port); issuer http://127.0.0.1:<port>
//   - the FIRST stdout line is the issuer URL, printed once listening; all logs go to stderr
//   - exits on SIGTERM/SIGINT, and when stdin reaches EOF (unless stdin is a TTY), so a test
//     that dies (closing the pipe) does not leak the server
//
// Environment knobs (all optional):
//   PORT                      listen port (default 0)
//   TOK_TEST_AT_TTL           access token lifetime, seconds (default 300)
//   TOK_TEST_RT_TTL           refresh token lifetime, seconds (default 86400)
//   TOK_TEST_DEVICE_TTL       device code lifetime, seconds (default 600)
//   TOK_TEST_ROTATE           "1" (default): rotate refresh tokens on every use; "0": never
//   TOK_TEST_DPOP_NONCE       "1": require DPoP nonces (RFC 9449 §8) at every endpoint
//   TOK_TEST_DENY             "1": every login/consent interaction ends in access_denied
//   TOK_TEST_REFRESH_SCOPE    if set, a successful refresh answers with this `scope` (as a server
//                             that grants more, or less, than asked states it, RFC 6749 §3.3)
//   TOK_TEST_AUTHZ_ERRORS     comma-separated `error` or `error:description` items: the Nth
//                             interaction ends with the Nth item's error redirected back to the
//                             client (RFC 6749 §4.1.2.1); once they are used up, as usual
//   TOK_TEST_DEVICE_INTERVAL  if set, add `interval: N` to device authorization responses
//                             (the library never sends one; clients then default to 5 s)
//   TOK_TEST_SLOW_DOWN        N: the first N device_code polls that would answer
//                             authorization_pending answer slow_down instead (fault injection;
//                             the library itself never emits slow_down)
//   TOK_TEST_QUIET            "1": no log lines of ours on stderr (the library still prints its
//                             "Unsupported runtime" warning on Node 20). stderr is a pipe written
//                             synchronously: a test that pipes it must drain it (or use this)
//   TOK_TEST_TLS_CERT, TOK_TEST_TLS_KEY
//                             PEM paths (tests/support/make-certs.sh): serve HTTPS, issuer
//                             https://127.0.0.1:<port>. Nothing else changes.
//   TOK_TEST_ISSUER_HOST      a host name for the issuer instead of 127.0.0.1 (still listening
//                             on 127.0.0.1): e.g. idp.corp.test, which only a proxy started
//                             with `--map idp.corp.test=127.0.0.1` reaches (proxy tests)
//   TOK_TEST_PLAIN_DOOR       "1" (with TLS): the same port also answers plain HTTP (told apart
//                             by the first byte), so that a test's own helpers (stats,
//                             introspection) need not trust the test CA. Clients that speak
//                             https:// always get TLS.
//   TOK_TEST_CI_ISSUER        the CI identity-token issuer trusted for workload identity
//                             (tests/support/ci-issuer.mjs); its JWKS is fetched from its
//                             discovery document at the first exchange (over HTTPS: set
//                             NODE_EXTRA_CA_CERTS to the test CA)
//   TOK_TEST_WI_AUDIENCES     comma-separated `aud` values accepted in CI tokens (default: this
//                             issuer's URL and api://AzureADTokenExchange)
//   TOK_TEST_WI_SUB           glob (`*` = any run of characters) a CI token's `sub` must match
//                             (default repo:acme/app:ref:refs/heads/*)
//   TOK_TEST_EXCHANGE_TTL     lifetime of exchanged access tokens, seconds (default AT_TTL)
//   TOK_TEST_EXCHANGE_REFRESH "1": exchanges also answer a refresh_token (one tok must ignore)
//   TOK_TEST_PAR_REQUIRED     "1": the server requires pushed authorization requests (RFC 9126)
//                             of every client (metadata require_pushed_authorization_requests);
//                             client `tok-par` always requires them
//   TOK_TEST_PAR_TTL          N: a pushed request's request_uri lives N seconds (answered as
//                             expires_in, refused at /auth after that); the library's own
//                             lifetime is a fixed 60 s
//   TOK_TEST_ACR              every sign-in reports this `acr`, whatever acr_values asked for (a
//                             server that ignores them); unset: a sign-in meets the first of the
//                             requested acr_values (urn:tok:pwd when none), and a session whose
//                             acr is not among them is asked to sign in again (step-up)
//   TOK_TEST_IGNORE_MAX_AGE   "1": max_age is taken out of authorization requests before the
//                             provider sees them (a server that ignores it: no auth_time)
//   TOK_TEST_EXACT_REDIRECT   comma-separated redirect URIs of client `tok-exact`, a public
//                             client that, like many servers, matches them exactly (any port
//                             other than the registered one is refused); unset: no such client
//   TOK_TEST_MTLS_SELF_SIGNED a PEM certificate (with TLS): mutual TLS (RFC 8705). The HTTPS
//                             listener asks every client for a certificate (none is required:
//                             other clients are unaffected) and trusts NODE_EXTRA_CA_CERTS's CA
//                             for it; clients `tok-mtls` (tls_client_auth, SAN DNS
//                             client.tok.test) and `tok-mtls-self` (self_signed_tls_client_auth,
//                             this certificate in its JWKS) get certificate-bound tokens; the
//                             metadata lists `mtls_endpoint_aliases` under /mtls/, counted in
//                             the stats as `mtls_alias_requests`
//   TOK_TEST_REGISTRATION     "1": open dynamic client registration (RFC 7591, no initial access
//                             token) at /reg with RFC 7592 management, and every loopback
//                             resource (http://127.0.0.1:PORT/…) accepted as a resource indicator
//                             (audience = the resource, scope api:read); "refuse": the same, but
//                             every registration is answered 400 invalid_redirect_uri, as a
//                             server whose policy refuses loopback redirect URIs does
//
// Workload identity (client `tok-ci`, public): RFC 8693 token exchange, RFC 7523 jwt-bearer
// (both registered with provider.registerGrantType) and the Entra-style client assertion
// (grant_type=client_credentials + client_assertion = the CI token, checked in front of the
// library, whose private_key_jwt wants iss === client_id). Refusals: invalid_grant (signature,
// iss, aud, exp), unauthorized_client (sub outside TOK_TEST_WI_SUB), invalid_target (unknown
// audience/resource), invalid_client (client-assertion variant of invalid_grant). Each exchange
// is logged ("exchange <method> sub=<sub> -> <outcome>") and counted in stats.exchanges and
// stats.exchange_log.
//
// Per-request deny: an authorization (or device authorization) request with
// `login_hint=deny`, or a GET /interaction/<uid>?deny=1 (browser.mjs does that with
// TOK_TEST_BROWSER_DENY=1), finishes the interaction with access_denied.
//
// TOK_TEST_NO_ID_ON_REFRESH=1 drops the ID token from refresh responses; TOK_TEST_FORGE_ID_TOKEN=1
// changes the `sub` of every ID token after signing.
//
// Test-only endpoints:
//   GET  /__test/stats   counters since start (or since the last reset), see `newStats()`
//   POST /__test/reset   zero the counters
//   POST /__test/ttl?access=N   from now on, access tokens (and ID tokens) live N seconds: a test
//                        logs in with short tokens, then makes the next ones long, so that the
//                        expiry it waits for is the only one it meets on a loaded machine

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as querystring from 'node:querystring';

import * as jose from 'jose';
import Provider, { errors, interactionPolicy } from 'oidc-provider';

const env = process.env;
const intEnv = (name, dflt) => {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number.parseInt(raw, 10);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`server.mjs: invalid ${name}=${raw}`);
    process.exit(2);
  }
  return n;
};

const PKJWT_CLIENT = 'tok-pkjwt';
const AT_TTL = intEnv('TOK_TEST_AT_TTL', 300);
let atTtl = AT_TTL; // changed at run time by POST /__test/ttl
const RT_TTL = intEnv('TOK_TEST_RT_TTL', 86400);
const DEVICE_TTL = intEnv('TOK_TEST_DEVICE_TTL', 600);
const ROTATE = (env.TOK_TEST_ROTATE ?? '1') !== '0';
const DPOP_NONCE = env.TOK_TEST_DPOP_NONCE === '1';
const DENY = env.TOK_TEST_DENY === '1';
const REFRESH_SCOPE = env.TOK_TEST_REFRESH_SCOPE;
const AUTHZ_ERRORS = (env.TOK_TEST_AUTHZ_ERRORS || '').split(',').filter(Boolean);
const DEVICE_INTERVAL = env.TOK_TEST_DEVICE_INTERVAL ? intEnv('TOK_TEST_DEVICE_INTERVAL', 0) : undefined;
let slowDownLeft = intEnv('TOK_TEST_SLOW_DOWN', 0);
const PORT = intEnv('PORT', 0);
const QUIET = env.TOK_TEST_QUIET === '1';
const TLS_CERT = env.TOK_TEST_TLS_CERT;
const TLS_KEY = env.TOK_TEST_TLS_KEY;
const PLAIN_DOOR = env.TOK_TEST_PLAIN_DOOR === '1';
if (Boolean(TLS_CERT) !== Boolean(TLS_KEY)) {
  console.error('server.mjs: set both TOK_TEST_TLS_CERT and TOK_TEST_TLS_KEY, or neither');
  process.exit(2);
}
const CI_ISSUER = env.TOK_TEST_CI_ISSUER || undefined;
const WI_SUB = env.TOK_TEST_WI_SUB || 'repo:acme/app:ref:refs/heads/*';
const EXCHANGE_TTL = intEnv('TOK_TEST_EXCHANGE_TTL', AT_TTL);
const EXCHANGE_REFRESH = env.TOK_TEST_EXCHANGE_REFRESH === '1';
// ID token knobs: a provider that does not renew ID tokens on refresh; one whose ID tokens were
// tampered with in transit (a claim changed, the signature kept).
const NO_ID_ON_REFRESH = env.TOK_TEST_NO_ID_ON_REFRESH === '1';
const FORGE_ID_TOKEN = env.TOK_TEST_FORGE_ID_TOKEN === '1';
const PAR_REQUIRED = env.TOK_TEST_PAR_REQUIRED === '1';
const PAR_TTL = env.TOK_TEST_PAR_TTL ? intEnv('TOK_TEST_PAR_TTL', 60) : undefined;
const parExpiry = new Map(); // request_uri -> ms since the epoch, with TOK_TEST_PAR_TTL
const FIXED_ACR = env.TOK_TEST_ACR || undefined;
const IGNORE_MAX_AGE = env.TOK_TEST_IGNORE_MAX_AGE === '1';
const EXACT_REDIRECT = env.TOK_TEST_EXACT_REDIRECT ? env.TOK_TEST_EXACT_REDIRECT.split(',') : undefined;
const MTLS_SELF_SIGNED = env.TOK_TEST_MTLS_SELF_SIGNED ? new crypto.X509Certificate(fs.readFileSync(env.TOK_TEST_MTLS_SELF_SIGNED)) : undefined;
if (MTLS_SELF_SIGNED && !TLS_CERT) {
  console.error('server.mjs: TOK_TEST_MTLS_SELF_SIGNED needs TOK_TEST_TLS_CERT');
  process.exit(2);
}
const REGISTRATION = env.TOK_TEST_REGISTRATION || '';
const LOOPBACK_RESOURCE = /^http:\/\/127\.0\.0\.1:[0-9]+(\/|$)/;
const log = (...args) => {
  if (!QUIET) console.error('[provider]', ...args);
};
// A reader that went away must not crash the server (EPIPE); stdin EOF is what stops it.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

const API_RESOURCE = 'https://api.test/';
const API_SCOPES = 'api:read api:write';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const GRANT_TYPES = ['authorization_code', 'refresh_token', DEVICE_GRANT, 'client_credentials',
  TOKEN_EXCHANGE, JWT_BEARER];
// the public client of workload-identity exchanges
const CI_CLIENT = 'tok-ci';
const EXCHANGE_METHODS = ['token-exchange', 'jwt-bearer', 'client-assertion'];

// ---------------------------------------------------------------------------------------
// Counters

function perGrant() {
  return Object.fromEntries(GRANT_TYPES.map((g) => [g, 0]));
}

// TOK_TEST_EXCHANGE_REFRESH: a refresh token a workload-identity client must ignore, remembered
// in stats.workload_refresh_tokens so that a canary can look for the values themselves.
function unwantedRefreshToken() {
  const value = `wi-rt-${crypto.randomBytes(24).toString('base64url')}`;
  stats.workload_refresh_tokens.push(value);
  return value;
}

function newStats() {
  return {
    token_requests: perGrant(), // every POST /token, by grant_type ("other" if absent/unknown)
    token_success: perGrant(), // 200 answers, by grant_type
    token_errors: {}, // error code -> count, e.g. {"invalid_grant": 1}
    token_error_details: {}, // library's internal reason -> count, e.g. {"refresh token already used": 1}
    grants_revoked: 0, // grant.revoked events (reuse detection, code replay, RT revocation)
    revocations: 0, // POST /token/revocation answered 200
    introspections: 0, // POST /token/introspection answered 200
    device_authorizations: 0, // POST /device/auth answered 200
    authorizations: 0, // authorization.success: code issued, or device code approved
    userinfo: 0, // successful /me calls
    interactions: { login: 0, consent: 0, denied: 0 },
    // workload identity: successful exchanges by method, and every attempt in order
    exchanges: Object.fromEntries(EXCHANGE_METHODS.map((m) => [m, 0])),
    exchange_log: [], // {method, sub, aud, client_id, outcome: "ok" | error code, description?}
    // every device_code poll: when it arrived (ms since the epoch) and what it was answered
    // ("ok" or the error code), so tests can measure the intervals a client waits
    device_polls: [],
    workload_refresh_tokens: [], // with TOK_TEST_EXCHANGE_REFRESH: every one answered
    authorization_requests: [], // the query of every GET /auth, as sent
    interaction_params: [], // the authorization parameters each login/consent interaction saw
    mtls_alias_requests: 0, // requests to the mtls_endpoint_aliases (TOK_TEST_MTLS_SELF_SIGNED)
    registrations: 0, // POST /reg answered 201 (TOK_TEST_REGISTRATION)
    registration_deletes: 0, // DELETE /reg/<client_id> answered 204
  };
}

let stats = newStats();

const bump = (obj, key) => {
  obj[key] = (obj[key] ?? 0) + 1;
};

// ---------------------------------------------------------------------------------------
// Storage. The library's default in-memory adapter is an LRU capped at 1000 entries that
// drops records the moment they expire, so an expired device code answers `invalid_grant`
// ("device code not found") instead of RFC 8628's `expired_token`, and a long test run can
// evict live sessions. This adapter keeps everything (tests are short) and lets the library
// judge expiry itself (it checks `exp` on every find).

const store = new Map(); // `${model}:${id}` -> payload
const grantIndex = new Map(); // grantId -> Set of keys
const uidIndex = new Map(); // session uid -> id
const userCodeIndex = new Map(); // user code -> id
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode',
  'BackchannelAuthenticationRequest', 'PreAuthorizedCode']);

class RetainingAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload) {
    const key = this.key(id);
    store.set(key, payload);
    if (this.model === 'Session' && payload.uid) uidIndex.set(payload.uid, id);
    if (payload.userCode) userCodeIndex.set(payload.userCode, id);
    if (GRANTABLE.has(this.model) && payload.grantId) {
      if (!grantIndex.has(payload.grantId)) grantIndex.set(payload.grantId, new Set());
      grantIndex.get(payload.grantId).add(key);
    }
  }

  async find(id) {
    return store.get(this.key(id));
  }

  async findByUid(uid) {
    const id = uidIndex.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode) {
    const id = userCodeIndex.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id) {
    const payload = store.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of grantIndex.get(grantId) ?? []) store.delete(key);
    grantIndex.delete(grantId);
  }
}

// ---------------------------------------------------------------------------------------
// Account: every login is alice.

const ACCOUNT = {
  sub: 'alice',
  email: 'alice@example.test',
  email_verified: true,
  name: 'Alice',
};

async function findAccount(_ctx, sub) {
  if (sub !== ACCOUNT.sub) return undefined;
  return {
    accountId: ACCOUNT.sub,
    async claims() {
      return { ...ACCOUNT };
    },
  };
}

// ---------------------------------------------------------------------------------------
// Provider configuration

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', alg: 'RS256', use: 'sig' };

const configuration = {
  clients: [
    {
      client_id: 'tok-cli',
      client_name: 'tok',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT],
      response_types: ['code'],
      // Native client: any port on the loopback host matches (RFC 8252 §7.3).
      redirect_uris: ['http://127.0.0.1/callback'],
      scope: `openid offline_access profile email ${API_SCOPES}`,
    },
    {
      client_id: 'introspector',
      client_secret: 'introspector-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [],
      response_types: [],
      redirect_uris: [],
    },
    {
      // Workload identity: no secret; authenticates with a CI identity token only.
      client_id: CI_CLIENT,
      client_name: 'tok in CI',
      token_endpoint_auth_method: 'none',
      grant_types: [TOKEN_EXCHANGE, JWT_BEARER, 'client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: API_SCOPES,
    },
    {
      client_id: 'ci-bot',
      client_secret: 'ci-bot-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: API_SCOPES,
    },
    // A `web` client: oidc-provider then compares redirect URIs exactly, port included.
    ...(EXACT_REDIRECT ? [{
      client_id: 'tok-exact',
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: EXACT_REDIRECT,
      scope: 'openid offline_access profile email',
    }] : []),
    {
      client_id: 'tok-par',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      scope: 'openid offline_access profile email',
      require_pushed_authorization_requests: true,
    },
    // Mutual TLS (RFC 8705): a CA-issued certificate matched by its SAN, and a self-signed one
    // registered in the client's JWKS.
    ...(MTLS_SELF_SIGNED ? [{
      client_id: 'tok-mtls',
      application_type: 'native',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_san_dns: 'client.tok.test',
      tls_client_certificate_bound_access_tokens: true,
      grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT, 'client_credentials'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      scope: `openid offline_access profile email ${API_SCOPES}`,
    }, {
      client_id: 'tok-mtls-self',
      application_type: 'native',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [{ ...MTLS_SELF_SIGNED.publicKey.export({ format: 'jwk' }), x5c: [MTLS_SELF_SIGNED.raw.toString('base64')] }] },
      tls_client_certificate_bound_access_tokens: true,
      grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      scope: 'openid offline_access profile email',
    }] : []),
    {
      // private_key_jwt: its keys are set at run time (POST /__test/client-jwks), as a server
      // would be given the JWK Set `tok profile jwks` prints.
      client_id: PKJWT_CLIENT,
      application_type: 'native',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [] },
      grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT, 'client_credentials', TOKEN_EXCHANGE, JWT_BEARER],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      scope: `openid offline_access profile email ${API_SCOPES}`,
    },
  ],
  clientAuthMethods: ['client_secret_basic', 'client_secret_jwt', 'client_secret_post', 'private_key_jwt', 'none',
    ...(MTLS_SELF_SIGNED ? ['tls_client_auth', 'self_signed_tls_client_auth'] : [])],
  adapter: RetainingAdapter,
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  findAccount,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // The api scopes are also listed as provider scopes so they appear in scopes_supported
  // and survive requests that carry no resource indicator.
  scopes: ['openid', 'offline_access', 'profile', 'email', 'api:read', 'api:write'],
  clockTolerance: 0,
  responseTypes: ['code'], // no implicit or hybrid flows (RFC 9700)
  allowOmittingSingleRegisteredRedirectUri: false,
  pkce: { required: () => true }, // v9 supports S256 only
  features: {
    devInteractions: { enabled: false },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    introspection: {
      enabled: true,
      // the confidential `introspector` may introspect anything; others only their own tokens
      allowedPolicy: async (ctx, client, token) => {
        if (client.clientId === 'introspector') return true;
        return token.clientId === client.clientId;
      },
    },
    clientCredentials: { enabled: true },
    userinfo: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // No resource parameter: default to the test API (for tok-cli and ci-bot). The access
      // token is still for userinfo when `openid` is in scope and the token request carries
      // no `resource` (library rule); pass resource=https://api.test/ to get an API token.
      defaultResource: async (_ctx, client, oneOf) => {
        if (oneOf) return oneOf;
        if (client && ['tok-cli', 'ci-bot', CI_CLIENT, PKJWT_CLIENT].includes(client.clientId)) return API_RESOURCE;
        return undefined;
      },
      useGrantedResource: async () => false,
      getResourceServerInfo: async (_ctx, resourceIndicator, client) => {
        if (REGISTRATION && LOOPBACK_RESOURCE.test(resourceIndicator)) {
          return { scope: 'api:read', audience: resourceIndicator, accessTokenTTL: atTtl, accessTokenFormat: 'opaque' };
        }
        if (resourceIndicator === API_RESOURCE && ['tok-cli', 'ci-bot', CI_CLIENT, PKJWT_CLIENT].includes(client.clientId)) {
          return {
            scope: API_SCOPES,
            audience: API_RESOURCE,
            accessTokenTTL: client.clientId === CI_CLIENT ? EXCHANGE_TTL : atTtl,
            accessTokenFormat: 'opaque',
          };
        }
        throw new errors.InvalidTarget();
      },
    },
    registration: { enabled: Boolean(REGISTRATION), initialAccessToken: false },
    registrationManagement: { enabled: Boolean(REGISTRATION), rotateRegistrationAccessToken: false },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: PAR_REQUIRED },
    dPoP: DPOP_NONCE
      ? { enabled: true, nonceSecret: crypto.randomBytes(32), requireNonce: () => true }
      : { enabled: true },
    mTLS: {
      enabled: Boolean(MTLS_SELF_SIGNED),
      certificateBoundAccessTokens: true,
      tlsClientAuth: true,
      selfSignedTlsClientAuth: true,
      // The peer certificate of the TLS socket (none over the plain door, or when not sent).
      getCertificate: (ctx) => ctx.socket.getPeerX509Certificate?.() || undefined,
      // Verified against the listener's `ca` (the test CA) by the handshake itself.
      certificateAuthorized: (ctx) => ctx.socket.authorized === true,
      certificateSubjectMatches: (ctx, property, expected) => {
        const cert = ctx.socket.getPeerX509Certificate?.();
        if (!cert || property !== 'tls_client_auth_san_dns') return false;
        return (cert.subjectAltName || '').split(', ').includes(`DNS:${expected}`);
      },
    },
  },
  // Always issue a refresh token when the client may use the refresh_token grant
  // (default requires offline_access in the granted scope).
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  // Default: rotate for public clients only when the RT is not sender-constrained (DPoP);
  // the test knob makes it uniform.
  rotateRefreshToken: () => ROTATE,
  expiresWithSession: async () => false,
  // Exchanged tokens carry the CI identity they were issued for; introspection shows it.
  // Access tokens of a sign-in carry its `acr` (seen by introspection), so that a test resource
  // server can ask for a step-up (RFC 9470).
  extraTokenClaims: async (ctx) => {
    if (ctx?.state?.workload) {
      return { sub: ctx.state.workload.sub, ci_iss: ctx.state.workload.iss, gty: ctx.state.workload.method };
    }
    const e = ctx?.oidc?.entities;
    const acr = e?.AuthorizationCode?.acr ?? e?.RefreshToken?.acr ?? e?.DeviceCode?.acr;
    return acr ? { acr } : undefined;
  },
  ttl: {
    AccessToken: () => atTtl,
    ClientCredentials: (_ctx, _token, client) => (client?.clientId === CI_CLIENT ? EXCHANGE_TTL : atTtl),
    IdToken: () => atTtl,
    RefreshToken: RT_TTL,
    DeviceCode: DEVICE_TTL,
    AuthorizationCode: 60,
    Interaction: 3600,
    Session: Math.max(RT_TTL, 14 * 86400),
    Grant: Math.max(RT_TTL, 14 * 86400),
  },
  // The authentication levels this server offers (acr_values_supported); see TOK_TEST_ACR.
  acrValues: ['urn:tok:pwd', 'urn:tok:mfa', 'urn:tok:hwk'],
  interactions: {
    url: async (_ctx, interaction) => `/interaction/${interaction.uid}`,
    policy: loginPolicy(),
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><head><title>oops</title></head><body><h1>oops! something went wrong</h1><pre>${
      Object.entries(out).map(([k, v]) => `${k}: ${String(v).replace(/[<>&]/g, '')}`).join('\n')
    }</pre></body></html>`;
  },
};

// The library's prompts, and step-up: a session whose acr is not one of the requested
// acr_values signs in again (the library itself asks only for essential acr claims). Not with
// TOK_TEST_ACR, whose sign-ins never meet a request and would be asked again forever.
function loginPolicy() {
  const { Check, base } = interactionPolicy;
  const policy = base();
  if (!FIXED_ACR) {
    policy.get('login').checks.add(new Check('acr_values_unmet', 'the session does not meet acr_values', (ctx) => {
      const wanted = ctx.oidc.params.acr_values;
      if (!wanted || wanted.split(' ').includes(ctx.oidc.acr)) return Check.NO_NEED_TO_PROMPT;
      return Check.REQUEST_PROMPT;
    }));
  }
  return policy;
}

// Bind to the loopback port first so that the issuer can carry the real port.
// `apps`: the HTTP(S) servers that run the provider; `server`: the one listening. With the plain
// door, a net server hands each connection to the TLS or the plain app by its first byte (0x16
// opens a TLS handshake).
const apps = [];
// With mutual TLS the listener asks for a client certificate but never requires one.
const mtlsOptions = MTLS_SELF_SIGNED
  ? { requestCert: true, rejectUnauthorized: false, ca: env.NODE_EXTRA_CA_CERTS ? [fs.readFileSync(env.NODE_EXTRA_CA_CERTS)] : [] }
  : {};
if (TLS_CERT) apps.push(https.createServer({ cert: fs.readFileSync(TLS_CERT), key: fs.readFileSync(TLS_KEY), ...mtlsOptions }));
if (!TLS_CERT || PLAIN_DOOR) apps.push(http.createServer());
// One line per handshake a client gave up on (it refused our certificate): tests count them
// to prove a certificate error is not retried.
if (TLS_CERT) apps[0].on('tlsClientError', (err) => log(`TLS handshake failed: ${err.code || err.message}`));
const server = apps.length === 1 ? apps[0] : net.createServer((socket) => {
  socket.once('data', (first) => {
    socket.pause();
    socket.unshift(first);
    (first[0] === 0x16 ? apps[0] : apps[1]).emit('connection', socket);
    process.nextTick(() => socket.resume());
  });
  socket.on('error', () => {});
});
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(PORT, '127.0.0.1', resolve);
});
const { port } = server.address();
const ISSUER = `${TLS_CERT ? 'https' : 'http'}://${env.TOK_TEST_ISSUER_HOST || '127.0.0.1'}:${port}`;
const WI_AUDIENCES = (env.TOK_TEST_WI_AUDIENCES || `${ISSUER},api://AzureADTokenExchange`)
  .split(',').map((a) => a.trim()).filter(Boolean);

// RFC 8705 §5: the endpoints a client with a certificate uses, served under /mtls/.
if (MTLS_SELF_SIGNED) {
  configuration.discovery = {
    mtls_endpoint_aliases: {
      token_endpoint: `${ISSUER}/mtls/token`,
      revocation_endpoint: `${ISSUER}/mtls/token/revocation`,
      device_authorization_endpoint: `${ISSUER}/mtls/device/auth`,
    },
  };
}
const provider = new Provider(ISSUER, configuration);

// ---------------------------------------------------------------------------------------
// Events

provider.on('grant.revoked', () => {
  stats.grants_revoked += 1;
});
provider.on('grant.error', (ctx, err) => {
  if (err?.error_detail) bump(stats.token_error_details, err.error_detail);
  if (err?.error === "authorization_pending") return;
  log(`grant.error ${err?.error}: ${err?.error_description ?? ''} (${err?.error_detail ?? ''})`);
});
provider.on('server_error', (_ctx, err) => {
  log('server_error', err);
});
provider.on('authorization.success', () => {
  stats.authorizations += 1;
});
provider.on('authorization.error', (_ctx, err) => {
  log(`authorization.error ${err?.error}: ${err?.error_description ?? ''}`);
});

// ---------------------------------------------------------------------------------------
// Workload identity: trust the CI issuer (TOK_TEST_CI_ISSUER), verify its identity tokens
// with jose against its published JWKS, and issue API access tokens to `tok-ci` for them.

const subPattern = new RegExp(`^${WI_SUB.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
let ciJwks; // jose remote JWKS of CI_ISSUER, made at the first exchange

class WorkloadRefusal extends Error {
  constructor(error, description, status = 400) {
    super(description);
    this.error = error;
    this.description = description;
    this.status = status;
  }
}

async function ciKeys() {
  if (!ciJwks) {
    const r = await fetch(`${CI_ISSUER}/.well-known/openid-configuration`);
    if (!r.ok) throw new Error(`CI issuer discovery answered ${r.status}`);
    const { jwks_uri: jwksUri, issuer } = await r.json();
    if (issuer !== CI_ISSUER) throw new Error(`CI issuer discovery names issuer ${issuer}`);
    ciJwks = jose.createRemoteJWKSet(new URL(jwksUri));
  }
  return ciJwks;
}

/** Verify a CI identity token; answers its claims or throws a WorkloadRefusal. `bad` is the
 * error code for a token that does not verify (invalid_grant, or invalid_client when it is
 * the client's authentication). */
async function verifyCiToken(token, bad) {
  if (!CI_ISSUER) throw new WorkloadRefusal(bad, 'no CI issuer is trusted (TOK_TEST_CI_ISSUER is unset)');
  let claims;
  try {
    claims = jose.decodeJwt(token);
  } catch {
    throw new WorkloadRefusal(bad, 'the identity token is not a JWT');
  }
  if (claims.iss !== CI_ISSUER) {
    throw new WorkloadRefusal(bad, `identity token issuer ${claims.iss} is not trusted (trusted: ${CI_ISSUER})`);
  }
  try {
    ({ payload: claims } = await jose.jwtVerify(token, await ciKeys(), {
      issuer: CI_ISSUER,
      algorithms: ['RS256', 'ES256'],
      clockTolerance: 0,
      requiredClaims: ['sub', 'aud', 'exp', 'iat'],
    }));
  } catch (e) {
    if (e.code === 'ERR_JWT_EXPIRED') {
      throw new WorkloadRefusal(bad, `identity token expired at ${new Date(claims.exp * 1000).toISOString()}`);
    }
    if (e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || e.code === 'ERR_JWKS_NO_MATCHING_KEY') {
      throw new WorkloadRefusal(bad, `identity token signature does not verify with the keys of ${CI_ISSUER}`);
    }
    if (e.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
      throw new WorkloadRefusal(bad, `identity token claim ${e.claim} is not acceptable: ${e.message}`);
    }
    if (e.code?.startsWith('ERR_J')) throw new WorkloadRefusal(bad, `identity token is invalid: ${e.message}`);
    throw e;
  }
  const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!auds.some((a) => WI_AUDIENCES.includes(a))) {
    throw new WorkloadRefusal(bad, `identity token audience ${auds.join(',')} is not accepted (accepted: ${WI_AUDIENCES.join(', ')})`);
  }
  if (!subPattern.test(claims.sub)) {
    throw new WorkloadRefusal('unauthorized_client', `identity token subject ${claims.sub} does not match the trusted pattern ${WI_SUB}`);
  }
  return claims;
}

/** The claims of a JWT, unverified (for the log of a refused exchange), or undefined. */
function decodeOrNothing(token) {
  try {
    return token ? jose.decodeJwt(token) : undefined;
  } catch {
    return undefined;
  }
}

function recordExchange(method, claims, clientId, outcome, description) {
  const entry = { method, sub: claims?.sub, aud: claims?.aud, client_id: clientId, outcome };
  if (description) entry.description = description;
  stats.exchange_log.push(entry);
  if (outcome === 'ok') stats.exchanges[method] += 1;
  log(`exchange ${method} client=${clientId} sub=${claims?.sub ?? '?'} -> ${outcome}${description ? `: ${description}` : ''}`);
}

/** The API resource a token request asks for (`resource` or RFC 8693 `audience`). */
function requestedResource(params) {
  for (const name of ['resource', 'audience']) {
    const v = params[name];
    if (v === undefined) continue;
    const values = Array.isArray(v) ? v : [v];
    for (const value of values) {
      if (value !== API_RESOURCE) {
        throw new WorkloadRefusal('invalid_target', `unknown ${name} ${value} (this server knows ${API_RESOURCE})`);
      }
    }
  }
  return API_RESOURCE;
}

function requestedScope(params) {
  const allowed = new Set(API_SCOPES.split(' '));
  const asked = (params.scope || API_SCOPES).split(' ').filter(Boolean);
  const unknown = asked.filter((s) => !allowed.has(s));
  if (unknown.length) throw new WorkloadRefusal('invalid_scope', `scope ${unknown.join(' ')} is not available for ${CI_CLIENT}`);
  return asked.join(' ');
}

/** RFC 8693 and RFC 7523 §2.1 grants: issue an opaque API access token for a CI identity. */
function exchangeGrant(method) {
  return async function exchangeHandler(ctx) {
    const { params, client } = ctx.oidc;
    let claims;
    let token;
    try {
      if (client.clientId !== CI_CLIENT && client.clientId !== PKJWT_CLIENT) {
        throw new WorkloadRefusal('unauthorized_client', `client ${client.clientId} may not use workload identity`);
      }
      if (method === 'token-exchange') {
        const types = ['urn:ietf:params:oauth:token-type:jwt', 'urn:ietf:params:oauth:token-type:id_token'];
        if (!params.subject_token) throw new WorkloadRefusal('invalid_request', 'missing required parameter subject_token');
        if (!params.subject_token_type) throw new WorkloadRefusal('invalid_request', 'missing required parameter subject_token_type');
        if (!types.includes(params.subject_token_type)) {
          throw new WorkloadRefusal('invalid_request', `unsupported subject_token_type ${params.subject_token_type} (supported: ${types.join(', ')})`);
        }
        const accessType = 'urn:ietf:params:oauth:token-type:access_token';
        if (params.requested_token_type && params.requested_token_type !== accessType) {
          throw new WorkloadRefusal('invalid_request', `unsupported requested_token_type ${params.requested_token_type}`);
        }
        if (params.actor_token) throw new WorkloadRefusal('invalid_request', 'delegation (actor_token) is not supported');
        token = params.subject_token;
      } else {
        if (!params.assertion) throw new WorkloadRefusal('invalid_request', 'missing required parameter assertion');
        token = params.assertion;
      }
      claims = await verifyCiToken(token, 'invalid_grant');
      const resource = requestedResource(params);
      const scope = requestedScope(params);

      ctx.state.workload = { sub: claims.sub, iss: claims.iss, method };
      const at = new provider.ClientCredentials({ client, scope });
      at.resourceServer = new provider.ResourceServer(resource, {
        scope: API_SCOPES, audience: API_RESOURCE, accessTokenTTL: EXCHANGE_TTL, accessTokenFormat: 'opaque',
      });
      ctx.oidc.entity('ClientCredentials', at);
      const value = await at.save();
      ctx.body = {
        access_token: value,
        token_type: 'Bearer',
        expires_in: at.expiration,
        scope,
        ...(method === 'token-exchange' ? { issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' } : {}),
        // a refresh token a workload-identity client must ignore (it is never valid here)
        ...(EXCHANGE_REFRESH ? { refresh_token: unwantedRefreshToken() } : {}),
      };
      recordExchange(method, claims, client.clientId, 'ok');
    } catch (e) {
      if (!(e instanceof WorkloadRefusal)) throw e;
      recordExchange(method, claims ?? decodeOrNothing(token), client.clientId, e.error, e.description);
      throw new errors.CustomOIDCProviderError(e.error, e.description);
    }
  };
}

provider.registerGrantType(TOKEN_EXCHANGE, exchangeGrant('token-exchange'), [
  'audience', 'resource', 'scope', 'requested_token_type', 'subject_token', 'subject_token_type',
  'actor_token', 'actor_token_type',
], ['audience', 'resource']);
provider.registerGrantType(JWT_BEARER, exchangeGrant('jwt-bearer'), ['assertion', 'scope', 'resource', 'audience'],
  ['audience', 'resource']);

async function readRequestBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
}

/**
 * RFC 7523 §2.2 as Microsoft Entra's federated credentials use it: grant_type=client_credentials
 * with the CI token as `client_assertion`. The library's private_key_jwt wants iss === client_id
 * and aud === this server, so the assertion is checked here, in front of it; a request that
 * passes goes on to the library's client_credentials grant as the public client `tok-ci`
 * (the assertion removed), and is refused here otherwise. Answers true when it answered.
 */
async function federatedClientAssertion(ctx) {
  if (ctx.method !== 'POST' || ctx.path !== '/token' || !ctx.is('application/x-www-form-urlencoded')) return false;
  // Read the body once and hand it back to the library (its body parser accepts req.body).
  const raw = await readRequestBody(ctx.req);
  ctx.req.body = raw;
  const form = querystring.parse(raw.toString());
  const clientId = form.client_id ?? (form.client_assertion_type === CLIENT_ASSERTION_TYPE ? CI_CLIENT : undefined);
  const isCi = clientId === CI_CLIENT;
  if (form.grant_type !== 'client_credentials' || !isCi) return false;
  const refuse = (error, description, claims) => {
    recordExchange('client-assertion', claims, clientId, error, description);
    bump(stats.token_requests, 'client_credentials');
    bump(stats.token_errors, error);
    ctx.status = error === 'invalid_client' ? 401 : 400;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { error, error_description: description };
    return true;
  };
  if (form.client_assertion_type !== CLIENT_ASSERTION_TYPE || typeof form.client_assertion !== 'string') {
    return refuse('invalid_client', `client ${CI_CLIENT} authenticates only with a federated client_assertion (client_assertion_type ${CLIENT_ASSERTION_TYPE})`);
  }
  let claims;
  try {
    claims = await verifyCiToken(form.client_assertion, 'invalid_client');
    requestedResource(form);
    requestedScope(form);
  } catch (e) {
    if (!(e instanceof WorkloadRefusal)) throw e;
    return refuse(e.error, e.description, claims ?? decodeOrNothing(form.client_assertion));
  }
  delete form.client_assertion;
  delete form.client_assertion_type;
  form.client_id = CI_CLIENT;
  ctx.req.body = Buffer.from(querystring.stringify(form));
  ctx.state.workload = { sub: claims.sub, iss: claims.iss, method: 'client-assertion' };
  ctx.state.workloadClaims = claims;
  return false;
}

// ---------------------------------------------------------------------------------------
// Middleware: interactions, test endpoints, counters (runs in front of the provider's router)

async function finishInteraction(ctx) {
  const interaction = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt: { name, details }, params, session } = interaction;
  stats.interaction_params.push(params);

  let result;
  if (AUTHZ_ERRORS.length > 0) {
    const [error, ...description] = AUTHZ_ERRORS.shift().split(':');
    result = { error };
    if (description.length > 0) result.error_description = description.join(':');
  } else if (DENY || ctx.query.deny === '1' || params.login_hint === 'deny') {
    stats.interactions.denied += 1;
    result = { error: 'access_denied', error_description: 'End-User denied the request (test knob)' };
  } else if (name === 'login') {
    stats.interactions.login += 1;
    const acr = FIXED_ACR ?? params.acr_values?.split(' ')[0] ?? 'urn:tok:pwd';
    result = { login: { accountId: ACCOUNT.sub, acr } };
  } else if (name === 'consent') {
    stats.interactions.consent += 1;
    let { grantId } = interaction;
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    if (details.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(details.missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    grantId = await grant.save();
    result = { consent: { grantId } };
  } else {
    result = { error: 'access_denied', error_description: `unsupported prompt ${name}` };
  }

  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  ctx.status = 303;
  ctx.set('Location', returnTo);
  ctx.body = '';
}

provider.use(async (ctx, next) => {
  // Test-only endpoints
  if (ctx.path === '/__test/stats' && ctx.method === 'GET') {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = stats;
    return;
  }
  if (ctx.path === '/__test/reset' && ctx.method === 'POST') {
    stats = newStats();
    ctx.body = stats;
    return;
  }
  if (ctx.path === '/__test/ttl' && ctx.method === 'POST') {
    const n = Number.parseInt(ctx.query.access, 10);
    if (!(n > 0)) {
      ctx.status = 400;
      ctx.body = { error: 'access must be a positive number of seconds' };
      return;
    }
    atTtl = n;
    ctx.body = { access: atTtl };
    return;
  }

  if (MTLS_SELF_SIGNED && ctx.path.startsWith('/mtls/')) {
    stats.mtls_alias_requests += 1;
    ctx.path = ctx.path.slice('/mtls'.length);
  }

  // Entra-style federated client assertion (answers refusals itself)
  if (await federatedClientAssertion(ctx)) return;

  if (REGISTRATION === 'refuse' && ctx.path === '/reg' && ctx.method === 'POST') {
    ctx.status = 400;
    ctx.body = { error: 'invalid_redirect_uri', error_description: 'loopback redirect URIs are not allowed here' };
    return;
  }
  if (REGISTRATION && ctx.path.startsWith('/reg')) {
    await next();
    if (ctx.method === 'POST' && ctx.status === 201) stats.registrations += 1;
    if (ctx.method === 'DELETE' && ctx.status === 204) stats.registration_deletes += 1;
    return;
  }

  if (ctx.path === '/auth' && ctx.method === 'GET') stats.authorization_requests.push({ ...ctx.query });
  if (IGNORE_MAX_AGE && ctx.path === '/auth' && ctx.query.max_age !== undefined) {
    const { max_age: _ignored, ...rest } = ctx.query;
    ctx.query = rest;
  }
  if (PAR_TTL && ctx.path === '/auth' && parExpiry.get(ctx.query.request_uri) < Date.now()) {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = '<!DOCTYPE html><title>oops</title><h1>oops! something went wrong</h1><pre>error: invalid_request_uri\nerror_description: request_uri is expired</pre>';
    return;
  }
  if (PAR_TTL && ctx.path === '/request' && ctx.method === 'POST') {
    await next();
    if (ctx.status === 201 && ctx.body?.request_uri) {
      parExpiry.set(ctx.body.request_uri, Date.now() + PAR_TTL * 1000);
      ctx.body = { ...ctx.body, expires_in: PAR_TTL };
    }
    return;
  }

  // Auto-approving interactions
  const m = /^\/interaction\/([^/]+)$/.exec(ctx.path);
  if (m && ctx.method === 'GET') {
    try {
      await finishInteraction(ctx);
    } catch (err) {
      log('interaction failed:', err);
      ctx.status = err.statusCode || 400;
      ctx.type = 'text';
      ctx.body = `interaction failed: ${err.error ?? err.name}: ${err.error_description ?? err.message}\n`;
    }
    return;
  }

  await next();

  // Counters, read after the provider has answered.
  const route = ctx._matchedRouteName;
  if (!route) return;
  const ok = ctx.status === 200;
  if (route === 'token') {
    let gt = ctx.oidc?.params?.grant_type;
    if (!GRANT_TYPES.includes(gt)) gt = 'other';
    bump(stats.token_requests, gt);
    const poll = gt === DEVICE_GRANT ? { ms: Date.now(), answer: 'ok' } : null;
    if (poll) stats.device_polls.push(poll);
    if (ok && ctx.body && typeof ctx.body === 'object' && ctx.body.id_token) {
      if (NO_ID_ON_REFRESH && gt === 'refresh_token') {
        const { id_token: _dropped, ...rest } = ctx.body;
        ctx.body = rest;
      } else if (FORGE_ID_TOKEN) {
        const [h, p, s] = ctx.body.id_token.split('.');
        const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
        claims.sub = 'mallory';
        const forged = Buffer.from(JSON.stringify(claims)).toString('base64url');
        ctx.body = { ...ctx.body, id_token: `${h}.${forged}.${s}` };
      }
    }
    if (ok) {
      bump(stats.token_success, gt);
      if (REFRESH_SCOPE !== undefined && gt === 'refresh_token' && ctx.body && typeof ctx.body === 'object') {
        ctx.body = { ...ctx.body, scope: REFRESH_SCOPE };
      }
      if (ctx.state.workloadClaims) {
        recordExchange('client-assertion', ctx.state.workloadClaims, CI_CLIENT, 'ok');
        if (EXCHANGE_REFRESH && ctx.body && typeof ctx.body === 'object') {
          ctx.body = { ...ctx.body, refresh_token: unwantedRefreshToken() };
        }
      }
    } else {
      const body = typeof ctx.body === 'object' && ctx.body !== null ? ctx.body : {};
      // fault injection: slow_down instead of the first N authorization_pending answers
      if (gt === DEVICE_GRANT && body.error === 'authorization_pending' && slowDownLeft > 0) {
        slowDownLeft -= 1;
        ctx.body = { error: 'slow_down', error_description: 'test knob TOK_TEST_SLOW_DOWN' };
        bump(stats.token_errors, 'slow_down');
        poll.answer = 'slow_down';
        return;
      }
      if (poll) poll.answer = body.error ?? `http_${ctx.status}`;
      bump(stats.token_errors, body.error ?? `http_${ctx.status}`);
    }
  } else if (route === 'revocation' && ok) {
    stats.revocations += 1;
  } else if (route === 'introspection' && ok) {
    stats.introspections += 1;
  } else if (route === 'device_authorization' && ok) {
    stats.device_authorizations += 1;
    if (DEVICE_INTERVAL !== undefined && ctx.body && typeof ctx.body === 'object') {
      ctx.body = { ...ctx.body, interval: DEVICE_INTERVAL };
    }
  } else if (route === 'userinfo' && ok) {
    stats.userinfo += 1;
  }
});

// ---------------------------------------------------------------------------------------
// private_key_jwt (issue 22): the client `tok-pkjwt` authenticates with assertions signed by
// the keys the test registers:
//   POST /__test/client-jwks   body: a JWK Set (JSON); from now on the client's only keys
// stats.client_auth: every request of that client to the token, revocation, introspection,
// device authorization and PAR endpoints: {route, status, error} (the library checked the
// assertion: signature, iss/sub, aud, exp, jti replay).

provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/client-jwks' && ctx.method === 'POST') {
    const chunks = [];
    for await (const c of ctx.req) chunks.push(c);
    const jwks = JSON.parse(Buffer.concat(chunks).toString());
    const client = await provider.Client.find(PKJWT_CLIENT);
    client.asymmetricKeyStore.clear();
    for (const k of jwks.keys) client.asymmetricKeyStore.add(k);
    ctx.body = { keys: jwks.keys.length };
    return;
  }
  await next();
  if (ctx.oidc?.client?.clientId !== PKJWT_CLIENT) return;
  const route = ctx.oidc.route;
  if (!['token', 'revocation', 'introspection', 'device_authorization', 'pushed_authorization_request'].includes(route)) return;
  stats.client_auth ??= [];
  const body = typeof ctx.body === 'object' && ctx.body !== null ? ctx.body : {};
  stats.client_auth.push({ route, status: ctx.status, error: body.error });
});

// ---------------------------------------------------------------------------------------
// Serve, announce, and arrange to stop

const callback = provider.callback();
for (const app of apps) app.on('request', callback);

let stopping = false;
function stop(why) {
  if (stopping) return;
  stopping = true;
  log(`stopping (${why})`);
  server.close(() => process.exit(0));
  for (const app of apps) app.closeAllConnections?.();
  setTimeout(() => process.exit(0), 1000).unref();
}

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
if (!process.stdin.isTTY) {
  process.stdin.on('end', () => stop('stdin closed'));
  process.stdin.on('close', () => stop('stdin closed'));
  process.stdin.on('error', () => stop('stdin error'));
  process.stdin.resume(); // read (and discard) so that 'end' fires
}

process.stdout.write(`${ISSUER}\n`, () => {
  log(`listening on ${ISSUER} (AT ${AT_TTL}s, RT ${RT_TTL}s, device ${DEVICE_TTL}s, rotate=${ROTATE}, dpop_nonce=${DPOP_NONCE}, deny=${DENY})`);
});
