// panva's oidc-provider on 127.0.0.1, for jwtguard's interop tests (tests/interop).
//
// Started by a pytest fixture: `node provider.mjs` reads one JSON line on stdin
//   {"keys": [private JWKs], "alg": "RS256", "audience": "urn:api", "path": "/tenant-a"}
// listens on a free loopback port and prints {"issuer": ..., "port": ...}. A client
// "interop" (secret "interop-secret") gets RFC 9068 JWT access tokens (typ at+jwt) for
// the resource `audience` by the client_credentials grant, signed with `alg`.
// Further stdin lines are commands, each answered by one JSON line on stdout:
//   {"cmd": "keys", "keys": [...], "alg": "ES256"}  swap the signing keys (rotation)
//   {"cmd": "token", "scope": "read"}               a fresh access token
//   {"cmd": "dpop_token", "alg": "ES256"}           a DPoP-bound token (RFC 9449): panva's
//        `dpop` makes a key pair (kept by its "key" id) and the token request's proof
//   {"cmd": "proof", "key": id, "htm": "GET", "htu": url, "access_token": t}
//        a DPoP proof by that key for a request to a resource server
//   {"cmd": "mtls_token", "cert": PEM}              a certificate-bound token (RFC 8705) for
//        a client that presented `cert` (this script is the TLS-terminating proxy)
import http from 'node:http';
import readline from 'node:readline';

import * as DPoP from 'dpop';
import Provider from 'oidc-provider';

const CLIENT = { client_id: 'interop', client_secret: 'interop-secret' };
const MTLS_CLIENT = { client_id: 'interop-mtls', client_secret: 'interop-mtls-secret' };
const CERT_HEADER = 'x-client-cert';
const dpopKeys = new Map();

function build(issuer, config) {
  const provider = new Provider(issuer, {
    jwks: { keys: config.keys },
    clients: [CLIENT, MTLS_CLIENT].map((client) => ({
      ...client,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: config.alg, // the provider checks it has such a key
      tls_client_certificate_bound_access_tokens: client === MTLS_CLIENT,
    })),
    scopes: ['read', 'write'],
    ttl: { ClientCredentials: 300 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      dPoP: { enabled: true },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        // the certificate the "proxy" (this script) verified, URL-escaped as nginx sends it
        getCertificate: (ctx) => {
          const value = ctx.get(CERT_HEADER);
          return value ? decodeURIComponent(value) : undefined;
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => config.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== config.audience) throw new Provider.errors.InvalidTarget();
          return {
            scope: 'read write',
            audience: config.audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 300,
            jwt: { sign: { alg: config.alg } },
          };
        },
      },
    },
    enabledJWA: {
      // every signing algorithm the provider has; the access tokens use config.alg
      idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'Ed25519', 'EdDSA'],
    },
  });
  provider.on('server_error', (_ctx, err) => process.stderr.write(`server_error: ${err.stack}\n`));
  return provider;
}

async function token(issuer, scope, { client = CLIENT, headers = {} } = {}) {
  const body = new URLSearchParams({
    grant_type: 'client_credentials', ...client, scope: scope ?? 'read',
  });
  const response = await fetch(`${issuer}/token`, { method: 'POST', body, headers });
  return { status: response.status, ...(await response.json()) };
}

async function dpopToken(issuer, scope, alg) {
  const keypair = await DPoP.generateKeyPair(alg ?? 'ES256');
  const id = `k${dpopKeys.size + 1}`;
  dpopKeys.set(id, keypair);
  const proof = await DPoP.generateProof(keypair, `${issuer}/token`, 'POST');
  const answer = await token(issuer, scope, { headers: { DPoP: proof } });
  return { ...answer, key: id, jkt: await DPoP.calculateThumbprint(keypair.publicKey) };
}

async function proof(command) {
  const keypair = dpopKeys.get(command.key);
  if (!keypair) return { error: `unknown key ${command.key}` };
  const value = await DPoP.generateProof(
    keypair, command.htu, command.htm, command.nonce ?? undefined, command.access_token ?? undefined,
  );
  return { proof: value };
}

// The HTTP handler of a provider mounted at `prefix`, as multi-tenant providers are
// (Keycloak realms, Entra tenants): the provider itself sees paths without it.
function mount(provider, prefix) {
  const callback = provider.callback();
  if (!prefix) return callback;
  return (req, res) => {
    if (!req.url.startsWith(`${prefix}/`)) { res.writeHead(404).end(); return; }
    req.originalUrl = req.url; // as Express does: the provider derives its mount path from it
    req.url = req.url.slice(prefix.length);
    callback(req, res);
  };
}

const reply = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
let config = JSON.parse((await lines.next()).value);
let handler = null;
const server = http.createServer((req, res) => handler(req, res));
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}${config.path ?? ''}`;
handler = mount(build(issuer, config), config.path);
reply({ issuer, port });

for await (const line of lines) {
  try {
    const command = JSON.parse(line);
    if (command.cmd === 'keys') {
      config = { ...config, keys: command.keys, alg: command.alg ?? config.alg };
      handler = mount(build(issuer, config), config.path);
      reply({ ok: true });
    } else if (command.cmd === 'token') {
      reply(await token(issuer, command.scope));
    } else if (command.cmd === 'dpop_token') {
      reply(await dpopToken(issuer, command.scope, command.alg));
    } else if (command.cmd === 'proof') {
      reply(await proof(command));
    } else if (command.cmd === 'mtls_token') {
      const headers = { [CERT_HEADER]: encodeURIComponent(command.cert) };
      reply(await token(issuer, command.scope, { client: MTLS_CLIENT, headers }));
    } else {
      reply({ error: `unknown command ${command.cmd}` });
    }
  } catch (err) {
    reply({ error: String(err) });
  }
}
server.close();
process.exit(0);
