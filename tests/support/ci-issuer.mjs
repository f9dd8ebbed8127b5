#!/usr/bin/env node
// A test CI platform's OIDC identity-token issuer, for tok's workload-identity tests (issue 12):
// the part of GitHub Actions (or GitLab, Kubernetes, …) that signs a job's identity token. No
// real CI platform runs on a test machine, so this is the one fake peer; everything it serves
// is a real signed JWT that the test provider (tests/provider/server.mjs) verifies with jose.
//
//     sleep infinity | node tests/support/ci-issuer.mjs     # first stdout line: the issuer URL
//
// Contract (same as server.mjs):
//   - listens on 127.0.0.1:$PORT (default 0); HTTPS when TOK_TEST_TLS_CERT/TOK_TEST_TLS_KEY
//     are set; issuer http(s)://127.0.0.1:<port>, printed as the FIRST stdout line
//   - logs one line per request on stderr ("[ci] ..."), never a token or the request token
//   - exits on SIGTERM/SIGINT and when stdin reaches EOF (unless stdin is a TTY)
//
// Endpoints:
//   GET  /.well-known/openid-configuration   discovery (issuer, jwks_uri, algs, claims)
//   GET  /.well-known/jwks                   public keys: one RS256 (kid ci-rs256), one ES256
//                                            (kid ci-es256)
//   GET  /token?<any query>&audience=AUD     GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL: needs
//                                            `Authorization: bearer <request token>`; answers
//                                            {"value": "<JWT>", "count": n} for AUD (default
//                                            https://github.com/acme, as GitHub does)
//   GET|POST /__test/mint?aud=..&sub=..&ttl=..&alg=..&iss=..&key=..
//                                            mint a JWT directly (for env:/file: sources):
//                                            ttl in seconds, negative = already expired
//                                            (default TOK_TEST_CI_TTL); alg RS256|ES256;
//                                            iss overrides the issuer claim; key=rogue signs
//                                            with a key that is not in the JWKS; nbf=N sets
//                                            nbf N seconds from now. Answers {"value": JWT}.
//   GET  /__test/stats                       {"token_requests", "tokens_issued", "refused",
//                                            "minted", "jwks_requests", "discovery_requests",
//                                            "issued_tokens": every JWT /token answered}
//   POST /__test/reset                       zero the counters
//
// Knobs (env): PORT (0), TOK_TEST_CI_REQUEST_TOKEN (request token the /token endpoint wants,
// default "test-request-token"), TOK_TEST_CI_SUB (default repo:acme/app:ref:refs/heads/main),
// TOK_TEST_CI_TTL (token lifetime, seconds, default 300), TOK_TEST_CI_ALG (RS256 default, or
// ES256), TOK_TEST_TLS_CERT / TOK_TEST_TLS_KEY (PEM paths: serve HTTPS), TOK_TEST_QUIET=1.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { createRequire } from 'node:module';

// jose lives in the test provider's node_modules (a pinned dependency there).
const jose = await import(
  createRequire(new URL('../provider/package.json', import.meta.url)).resolve('jose')
);

const env = process.env;
const num = (name, dflt) => {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number.parseInt(raw, 10);
  if (!Number.isFinite(n)) {
    console.error(`ci-issuer.mjs: invalid ${name}=${raw}`);
    process.exit(2);
  }
  return n;
};
const PORT = num('PORT', 0);
const REQUEST_TOKEN = env.TOK_TEST_CI_REQUEST_TOKEN || 'test-request-token';
const DEFAULT_SUB = env.TOK_TEST_CI_SUB || 'repo:acme/app:ref:refs/heads/main';
const TTL = num('TOK_TEST_CI_TTL', 300);
const DEFAULT_ALG = env.TOK_TEST_CI_ALG || 'RS256';
const QUIET = env.TOK_TEST_QUIET === '1';
const TLS_CERT = env.TOK_TEST_TLS_CERT;
const TLS_KEY = env.TOK_TEST_TLS_KEY;
const log = (...args) => {
  if (!QUIET) console.error('[ci]', ...args);
};
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

if (!['RS256', 'ES256'].includes(DEFAULT_ALG)) {
  console.error(`ci-issuer.mjs: TOK_TEST_CI_ALG must be RS256 or ES256, not ${DEFAULT_ALG}`);
  process.exit(2);
}

// Signing keys, made at start. The rogue pair is never published: tokens it signs must fail
// verification at the provider ("signature does not verify").
async function keyPair(alg, kid) {
  const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, jwk };
}
const KEYS = {
  RS256: await keyPair('RS256', 'ci-rs256'),
  ES256: await keyPair('ES256', 'ci-es256'),
};
const ROGUE = {
  RS256: await keyPair('RS256', 'ci-rs256'), // same kid as the real one: only the signature differs
  ES256: await keyPair('ES256', 'ci-es256'),
};

const newStats = () => ({
  token_requests: 0, // GET /token, whatever the outcome
  tokens_issued: 0, // GET /token answered 200
  refused: 0, // GET /token answered 401/400
  minted: 0, // /__test/mint answers
  jwks_requests: 0,
  discovery_requests: 0,
  issued_tokens: [], // every identity token GET /token answered, for canaries to look for
});
let stats = newStats();
let issued = 0;

const server = TLS_CERT
  ? https.createServer({ cert: fs.readFileSync(TLS_CERT), key: fs.readFileSync(TLS_KEY) })
  : http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(PORT, '127.0.0.1', resolve);
});
const ISSUER = `${TLS_CERT ? 'https' : 'http'}://127.0.0.1:${server.address().port}`;

async function mint({ aud, sub = DEFAULT_SUB, ttl = TTL, alg = DEFAULT_ALG, iss = ISSUER, rogue = false, nbf }) {
  const key = (rogue ? ROGUE : KEYS)[alg];
  if (!key) throw new Error(`alg must be RS256 or ES256, not ${alg}`);
  const now = Math.floor(Date.now() / 1000);
  // An expired token was issued in the past: iat < exp < now.
  const iat = ttl > 0 ? now : now + ttl - 60;
  const claims = {
    // GitHub Actions' claims (a subset), derived from `sub` when it has GitHub's shape
    repository: /^repo:([^:]+):/.exec(sub)?.[1],
    repository_owner: /^repo:([^/:]+)\//.exec(sub)?.[1],
    ref: /:ref:(.+)$/.exec(sub)?.[1],
    runner_environment: 'github-hosted',
  };
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(iss)
    .setSubject(sub)
    .setAudience(aud)
    .setIssuedAt(iat)
    .setNotBefore(nbf !== undefined ? now + nbf : iat)
    .setExpirationTime(now + ttl)
    .setJti(crypto.randomUUID())
    .sign(key.privateKey);
}

function send(res, status, body, headers = {}) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString();
}

async function handle(req, res) {
  const url = new URL(req.url, ISSUER);
  const path = url.pathname;

  if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
    stats.discovery_requests += 1;
    log('GET discovery -> 200');
    return send(res, 200, {
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/.well-known/jwks`,
      subject_types_supported: ['public', 'pairwise'],
      response_types_supported: ['id_token'],
      claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'ref', 'repository', 'repository_owner', 'runner_environment'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      scopes_supported: ['openid'],
    });
  }

  if (req.method === 'GET' && path === '/.well-known/jwks') {
    stats.jwks_requests += 1;
    log('GET jwks -> 200');
    return send(res, 200, { keys: [KEYS.RS256.jwk, KEYS.ES256.jwk] });
  }

  if (req.method === 'GET' && path === '/token') {
    stats.token_requests += 1;
    const auth = req.headers.authorization ?? '';
    const m = /^bearer\s+(.+)$/i.exec(auth);
    if (!m) {
      stats.refused += 1;
      log('GET /token without a bearer request token -> 401');
      return send(res, 401, { message: 'Bad credentials: an Authorization: bearer <request token> header is required' });
    }
    const given = Buffer.from(m[1].trim());
    const want = Buffer.from(REQUEST_TOKEN);
    if (given.length !== want.length || !crypto.timingSafeEqual(given, want)) {
      stats.refused += 1;
      log('GET /token with a wrong request token -> 401');
      return send(res, 401, { message: 'Bad credentials: the request token is not valid' });
    }
    const auds = url.searchParams.getAll('audience');
    if (auds.length > 1) {
      stats.refused += 1;
      log(`GET /token with ${auds.length} audience parameters -> 400`);
      return send(res, 400, { message: 'at most one audience parameter' });
    }
    const aud = auds[0] ?? `https://github.com/${/^repo:([^/:]+)\//.exec(DEFAULT_SUB)?.[1] ?? 'acme'}`;
    const value = await mint({ aud });
    stats.tokens_issued += 1;
    stats.issued_tokens.push(value);
    issued += 1;
    log(`GET /token aud=${aud} sub=${DEFAULT_SUB} -> 200 (#${issued})`);
    return send(res, 200, { value, count: issued });
  }

  if (path === '/__test/mint' && (req.method === 'GET' || req.method === 'POST')) {
    const q = new URLSearchParams(url.search);
    if (req.method === 'POST') {
      for (const [k, v] of new URLSearchParams(await readBody(req))) q.set(k, v);
    }
    const aud = q.get('aud') ?? ISSUER;
    const sub = q.get('sub') ?? DEFAULT_SUB;
    const ttl = q.has('ttl') ? Number.parseInt(q.get('ttl'), 10) : TTL;
    const alg = q.get('alg') ?? DEFAULT_ALG;
    const iss = q.get('iss') ?? ISSUER;
    const rogue = q.get('key') === 'rogue';
    const nbf = q.has('nbf') ? Number.parseInt(q.get('nbf'), 10) : undefined;
    try {
      const value = await mint({ aud, sub, ttl, alg, iss, rogue, nbf });
      stats.minted += 1;
      log(`mint aud=${aud} sub=${sub} ttl=${ttl} alg=${alg} iss=${iss}${rogue ? ' key=rogue' : ''}`);
      return send(res, 200, { value });
    } catch (e) {
      return send(res, 400, { message: String(e.message ?? e) });
    }
  }

  if (req.method === 'GET' && path === '/__test/stats') return send(res, 200, stats);
  if (req.method === 'POST' && path === '/__test/reset') {
    stats = newStats();
    return send(res, 200, stats);
  }

  log(`${req.method} ${path} -> 404`);
  return send(res, 404, { message: 'Not Found' });
}

server.on('request', (req, res) => {
  handle(req, res).catch((e) => {
    log('error', e);
    if (!res.headersSent) send(res, 500, { message: 'internal error' });
  });
});

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
  process.stdin.resume();
}

process.stdout.write(`${ISSUER}\n`, () => {
  log(`listening on ${ISSUER} (sub ${DEFAULT_SUB}, ttl ${TTL}s, alg ${DEFAULT_ALG})`);
});
