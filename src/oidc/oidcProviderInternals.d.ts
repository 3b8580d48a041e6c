// The one internal module of oidc-provider Scanin uses (see engineKeys.ts).
declare module 'oidc-provider/lib/helpers/initialize_keystore.js' {
  export default function initializeKeystore(this: unknown, jwks: { keys: unknown[] }): void;
}
