// The engine that checks the clients `scanin clients create|update` make, outside a running
// server: a Provider with Scanin's client rules (CLIENT_RULES) and the features that decide
// whether the metadata those commands set is recognised (post-logout redirect URIs, back-channel
// logout, the refresh grant) — never started, never serving, and with keys of its own that
// sign nothing. The server checks the same clients again whenever it loads one.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';
import type { ValidateClient } from './clientCatalog.ts';
import { CLIENT_RULES } from './provider.ts';

export function clientValidator(issuer: string): ValidateClient {
  // The algorithms the server signs with (oidc/keys.ts), so that a client may ask for either.
  const keys = [
    { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig' },
    { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig' },
  ];
  const provider = new Provider(issuer, {
    ...CLIENT_RULES,
    // It stores nothing: a model it would need is an error, not the engine's in-memory store.
    adapter: class NoStorage {
      constructor() {
        throw new Error('the engine that checks clients stores nothing');
      }
    } as never,
    jwks: { keys: keys as never },
    cookies: { keys: ['unused: this engine serves no request'] },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true }, backchannelLogout: { enabled: true }, clientCredentials: { enabled: true } },
  });
  return (metadata) => provider.Client.validate(metadata as never);
}
