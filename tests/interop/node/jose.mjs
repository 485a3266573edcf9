// panva's jose as a line-oriented JSON service, for jwtguard's interop tests (tests/interop).
//
// Each stdin line is one request, answered by one stdout line:
//   {"op": "generate", "alg": "ES256", "kid": "k"}          -> {"private": JWK, "public": JWK}
//   {"op": "sign", "alg", "key": private JWK, "payload": {...}, "header": {...}}  -> {"token"}
//   {"op": "verify", "token", "jwks": {"keys": [...]} or "key": JWK, "algorithms": [...],
//    "issuer"?, "audience"?, "typ"?, "currentDate"?}          -> {"header", "payload"} | {"error"}
// A failure is {"error": jose's error code, e.g. "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"}.
import readline from 'node:readline';

import {
  SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, generateSecret, importJWK, jwtVerify,
} from 'jose';

async function generate({ alg, kid }) {
  if (alg.startsWith('HS')) {
    const secret = await exportJWK(await generateSecret(alg, { extractable: true }));
    const jwk = { ...secret, kid, alg };
    return { private: jwk, public: jwk };
  }
  const options = { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) };
  const { privateKey, publicKey } = await generateKeyPair(alg, options);
  const meta = { kid, alg, use: 'sig' };
  return {
    private: { ...(await exportJWK(privateKey)), ...meta },
    public: { ...(await exportJWK(publicKey)), ...meta },
  };
}

async function sign({ alg, key, payload, header }) {
  const token = await new SignJWT(payload)
    .setProtectedHeader({ ...(header ?? {}), alg, ...(key.kid ? { kid: key.kid } : {}) })
    .sign(await importJWK(key, alg));
  return { token };
}

async function verify({ token, jwks, key, algorithms, issuer, audience, typ, currentDate }) {
  // jose's key sets hold public keys only: an HMAC secret is given as `key`
  const keys = key === undefined ? createLocalJWKSet(jwks) : await importJWK(key, algorithms[0]);
  const { payload, protectedHeader } = await jwtVerify(token, keys, {
    algorithms,
    issuer,
    audience,
    typ,
    currentDate: currentDate === undefined ? undefined : new Date(currentDate * 1000),
  });
  return { header: protectedHeader, payload };
}

const OPS = { generate, sign, verify };
const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  let answer;
  try {
    const request = JSON.parse(line);
    answer = await OPS[request.op](request);
  } catch (err) {
    answer = { error: err.code ?? String(err) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
