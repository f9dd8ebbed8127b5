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
//   TOK_TEST_DEVICE_INTERVAL  if set, add `interval: N` to device authorization responses
//                             (the library never sends one; clients then default to 5 s)
//   TOK_TEST_SLOW_DOWN        N: the first N device_code polls that would answer
//                             authorization_pending answer slow_down instead (fault injection;
//                             the library itself never emits slow_down)
//   TOK_TEST_QUIET            "1": no log lines of ours on stderr (the library still prints its
//                             "Unsupported runtime" warning on Node 20). stderr is a pipe written
//                             synchronously: a test that pipes it must drain it (or use this)
//
// Per-request deny: an authorization (or device authorization) request with
// `login_hint=deny`, or a GET /interaction/<uid>?deny=1 (browser.mjs does that with
// TOK_TEST_BROWSER_DENY=1), finishes the interaction with access_denied.
//
// Test-only endpoints:
//   GET  /__test/stats   counters since start (or since the last reset), see `newStats()`
//   POST /__test/reset   zero the counters

import * as crypto from 'node:crypto';
import * as http from 'node:http';

import Provider, { errors } from 'oidc-provider';

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

const AT_TTL = intEnv('TOK_TEST_AT_TTL', 300);
const RT_TTL = intEnv('TOK_TEST_RT_TTL', 86400);
const DEVICE_TTL = intEnv('TOK_TEST_DEVICE_TTL', 600);
const ROTATE = (env.TOK_TEST_ROTATE ?? '1') !== '0';
const DPOP_NONCE = env.TOK_TEST_DPOP_NONCE === '1';
const DENY = env.TOK_TEST_DENY === '1';
const DEVICE_INTERVAL = env.TOK_TEST_DEVICE_INTERVAL ? intEnv('TOK_TEST_DEVICE_INTERVAL', 0) : undefined;
let slowDownLeft = intEnv('TOK_TEST_SLOW_DOWN', 0);
const PORT = intEnv('PORT', 0);
const QUIET = env.TOK_TEST_QUIET === '1';
const log = (...args) => {
  if (!QUIET) console.error('[provider]', ...args);
};
// A reader that went away must not crash the server (EPIPE); stdin EOF is what stops it.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

const API_RESOURCE = 'https://api.test/';
const API_SCOPES = 'api:read api:write';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const GRANT_TYPES = ['authorization_code', 'refresh_token', DEVICE_GRANT, 'client_credentials'];

// ---------------------------------------------------------------------------------------
// Counters

function perGrant() {
  return Object.fromEntries(GRANT_TYPES.map((g) => [g, 0]));
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
    // every device_code poll: when it arrived (ms since the epoch) and what it was answered
    // ("ok" or the error code), so tests can measure the intervals a client waits
    device_polls: [],
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
      client_id: 'ci-bot',
      client_secret: 'ci-bot-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: API_SCOPES,
    },
  ],
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
        if (client && ['tok-cli', 'ci-bot'].includes(client.clientId)) return API_RESOURCE;
        return undefined;
      },
      useGrantedResource: async () => false,
      getResourceServerInfo: async (_ctx, resourceIndicator, client) => {
        if (resourceIndicator === API_RESOURCE && ['tok-cli', 'ci-bot'].includes(client.clientId)) {
          return {
            scope: API_SCOPES,
            audience: API_RESOURCE,
            accessTokenTTL: AT_TTL,
            accessTokenFormat: 'opaque',
          };
        }
        throw new errors.InvalidTarget();
      },
    },
    dPoP: DPOP_NONCE
      ? { enabled: true, nonceSecret: crypto.randomBytes(32), requireNonce: () => true }
      : { enabled: true },
  },
  // Always issue a refresh token when the client may use the refresh_token grant
  // (default requires offline_access in the granted scope).
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  // Default: rotate for public clients only when the RT is not sender-constrained (DPoP);
  // the test knob makes it uniform.
  rotateRefreshToken: () => ROTATE,
  expiresWithSession: async () => false,
  ttl: {
    AccessToken: AT_TTL,
    ClientCredentials: AT_TTL,
    IdToken: AT_TTL,
    RefreshToken: RT_TTL,
    DeviceCode: DEVICE_TTL,
    AuthorizationCode: 60,
    Interaction: 3600,
    Session: Math.max(RT_TTL, 14 * 86400),
    Grant: Math.max(RT_TTL, 14 * 86400),
  },
  interactions: {
    url: async (_ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><head><title>oops</title></head><body><h1>oops! something went wrong</h1><pre>${
      Object.entries(out).map(([k, v]) => `${k}: ${String(v).replace(/[<>&]/g, '')}`).join('\n')
    }</pre></body></html>`;
  },
};

// Bind to the loopback port first so that the issuer can carry the real port.
const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(PORT, '127.0.0.1', resolve);
});
const { port } = server.address();
const ISSUER = `http://127.0.0.1:${port}`;

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
// Middleware: interactions, test endpoints, counters (runs in front of the provider's router)

async function finishInteraction(ctx) {
  const interaction = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt: { name, details }, params, session } = interaction;

  let result;
  if (DENY || ctx.query.deny === '1' || params.login_hint === 'deny') {
    stats.interactions.denied += 1;
    result = { error: 'access_denied', error_description: 'End-User denied the request (test knob)' };
  } else if (name === 'login') {
    stats.interactions.login += 1;
    result = { login: { accountId: ACCOUNT.sub } };
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
    if (ok) {
      bump(stats.token_success, gt);
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
// Serve, announce, and arrange to stop

server.on('request', provider.callback());

let stopping = false;
function stop(why) {
  if (stopping) return;
  stopping = true;
  log(`stopping (${why})`);
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
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
