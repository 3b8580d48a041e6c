// The payload checks every device assertion passes. Pure: the caller supplies the clock.
// Rules: aud is this issuer; iat is a whole number of seconds within 60 s of the server's clock
// (either side, for phones whose clock runs a little ahead); act names the action being answered;
// and each binding (rid or eid, chal) equals the one the server issued, so an assertion made for
// one request or challenge can never answer another.
import { clockSkew, invalidAssertion } from '../protocol/errors.ts';

export const IAT_WINDOW_SECONDS = 60;

export type ExpectedClaims = {
  issuer: string;
  now: number;
  act: string;
  bindings: Record<string, string>;
};

export function checkClaims(payload: Record<string, unknown>, expected: ExpectedClaims): void {
  if (payload.aud !== expected.issuer) {
    throw invalidAssertion(`expected aud ${JSON.stringify(expected.issuer)}, got ${JSON.stringify(payload.aud)}`);
  }
  // The rule is on the value, not the JSON text: 1795000000.0 and 1.795e9 are the numbers that
  // every JSON library hands over, and no device should need a parser of its own to comply.
  const { iat } = payload;
  if (typeof iat !== 'number' || !Number.isInteger(iat)) throw invalidAssertion(`iat must be a whole number of seconds, got ${JSON.stringify(iat)}`);
  if (Math.abs(expected.now - iat) > IAT_WINDOW_SECONDS) {
    throw clockSkew(`iat ${iat} is more than ${IAT_WINDOW_SECONDS} s from the server's clock (${expected.now})`);
  }
  if (payload.act !== expected.act) {
    throw invalidAssertion(`expected act ${JSON.stringify(expected.act)}, got ${JSON.stringify(payload.act)}`);
  }
  for (const [claim, value] of Object.entries(expected.bindings)) {
    if (payload[claim] !== value) {
      throw invalidAssertion(`${claim} does not match the one being answered`);
    }
  }
}
