// A real OpenID Connect provider for the tests of our OIDC login, started by tests/oidc_provider.py.
//
// It is the npm package oidc-provider with its development-only interactions (a login form that accepts
// any login name and password, then a consent page), so that our tests exercise a real authorization-code
// flow, real ID token signing and real client authentication instead of a mock of them.
//
// Configuration comes from the environment, because the Python harness picks the port and the clients:
//   OIDC_PORT     port to listen on (loopback only)
//   OIDC_ISSUER   issuer identifier, e.g. http://127.0.0.1:PORT (plain http is fine for oidc-provider)
//   OIDC_CLIENTS  JSON list of {client_id, client_secret, redirect_uris, post_logout_redirect_uris?}
// Prints one line "listening <issuer>" to stdout once the port is bound.

import { Provider } from 'oidc-provider';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`provider.mjs: environment variable ${name} is required`);
    process.exit(2);
  }
  return value;
}

const port = Number.parseInt(required('OIDC_PORT'), 10);
const issuer = required('OIDC_ISSUER');
const clients = JSON.parse(required('OIDC_CLIENTS')).map((client) => ({
  client_id: client.client_id,
  client_secret: client.client_secret,
  redirect_uris: client.redirect_uris,
  post_logout_redirect_uris: client.post_logout_redirect_uris ?? [],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  // Authlib's default; client_secret_post is also accepted (see clientAuthMethods below).
  token_endpoint_auth_method: 'client_secret_basic',
}));

// "amra.hadzic" -> "Amra Hadzic": a readable name, so tests can tell the name claim came from the login.
function displayName(login) {
  return login
    .split(/[._\-\s]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(' ');
}

const provider = new Provider(issuer, {
  clients,
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  scopes: ['openid', 'profile', 'email'],
  claims: {
    openid: ['sub'],
    profile: ['name'],
    email: ['email', 'email_verified'],
  },
  // oidc-provider's default (true) keeps scope claims out of an ID token that comes with an access token,
  // so a code flow would have to call userinfo to learn the e-mail. Authlib's Flask client reads the ID
  // token only, as most identity providers put these claims into it: do the same.
  conformIdTokenClaims: false,
  // The sub is whatever login name was typed into the development login form.
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          name: displayName(id),
          email: `${id}@idp.test`,
          email_verified: true,
        };
      },
    };
  },
  // Fixed, test-only keys: signing the interaction cookies needs some, and this provider lives per test.
  cookies: {
    keys: ['mla-exchange-test-4q7Zk2rV9xPb', 'mla-exchange-test-Hn3sW8cLm1Td'],
  },
  // Development interactions are on by default in oidc-provider 9 when no interactions.url is configured;
  // said here so nobody wonders where the login form comes from.
  features: {
    devInteractions: { enabled: true },
  },
});

// oidc-provider writes a line per development-only default to stderr; errors on a request are worth seeing.
provider.on('server_error', (ctx, error) => console.error('server_error', error));

// oidc-provider checks static clients only when first used; check them now, so a bad OIDC_CLIENTS makes the
// process exit with the reason before "listening" instead of failing some later request.
for (const { client_id: clientId } of clients) {
  if (!(await provider.Client.find(clientId))) {
    throw new Error(`client ${clientId} was not registered`);
  }
}

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});

// Exit promptly on SIGTERM/SIGINT so the harness's stop() does not have to wait on keep-alive sockets.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.closeAllConnections?.();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  });
}
