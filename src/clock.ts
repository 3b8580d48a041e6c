// The one clock. Protocol times are whole seconds since the epoch, as in JWT `iat`.
export type Clock = () => number;

export const systemClock: Clock = () => Math.floor(Date.now() / 1000);
