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
import http from 'node:http';
import readline from 'node:readline';

import Provider from 'oidc-provider';

const CLIENT = { client_id: 'interop', client_secret: 'interop-secret' };

function build(issuer, config) {
  const provider = new Provider(issuer, {
    jwks: { keys: config.keys },
    clients: [{
      ...CLIENT,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: config.alg, // the provider checks it has such a key
    }],
    scopes: ['read', 'write'],
    ttl: { ClientCredentials: 300 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
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

async function token(issuer, scope) {
  const body = new URLSearchParams({
    grant_type: 'client_credentials', ...CLIENT, scope: scope ?? 'read',
  });
  const response = await fetch(`${issuer}/token`, { method: 'POST', body });
  return { status: response.status, ...(await response.json()) };
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
    } else {
      reply({ error: `unknown command ${command.cmd}` });
    }
  } catch (err) {
    reply({ error: String(err) });
  }
}
server.close();
process.exit(0);
