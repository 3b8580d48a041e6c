// The one variable scanin-device reads: where its keys are kept. Its own module, so that the
// scanin command (src/config/unknownVariables.ts) knows the name without loading the authenticator.
export const DEVICE_KEYS_VARIABLE = 'SCANIN_DEVICE_KEYS';
