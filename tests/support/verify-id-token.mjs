// Verifies an ID token independently of tok, with the `jose` library and the provider's own
// JWKS: `node verify-id-token.mjs ISSUER AUDIENCE < token`. Prints the verified claims as JSON
// on stdout; exits 1 with the reason on stderr when the token does not verify.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';

const jose = await import(
  createRequire(new URL('../provider/package.json', import.meta.url)).resolve('jose')
);
const [issuer, audience] = process.argv.slice(2);
const token = fs.readFileSync(0, 'utf8').trim();
try {
  const meta = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const keys = jose.createRemoteJWKSet(new URL(meta.jwks_uri));
  const { payload, protectedHeader } = await jose.jwtVerify(token, keys, { issuer, audience });
  process.stdout.write(`${JSON.stringify({ header: protectedHeader, claims: payload })}\n`);
} catch (e) {
  process.stderr.write(`verify-id-token: ${e.code ?? e.name}: ${e.message}\n`);
  process.exit(1);
}
