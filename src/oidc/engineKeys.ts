// oidc-provider reads its `jwks` once, when constructed; its documented rotation is to change the
// key set and reload every process. This does that reload for the keys alone, on the running
// engine, by re-running the engine's own keystore set-up (the same checks as at construction),
// so that nothing holding the provider needs replacing. It reaches into oidc-provider's lib/
// (the package exports it): test/oidc/keyRotation.test.ts fails if an upgrade moves it.
import type { JsonWebKey } from 'node:crypto';
import type Provider from 'oidc-provider';
import initializeKeystore from 'oidc-provider/lib/helpers/initialize_keystore.js';

export function replaceEngineKeys(provider: Provider, keys: JsonWebKey[]): void {
  initializeKeystore.call(provider, { keys });
}
