// Device assertion verification throughput, ES256 and EdDSA: the server's path (decode the
// compact JWS, check its header, verify the signature with node:crypto, check the claims)
// against @noble/curves verifying the very same signatures over the same signing inputs.
// For ES256 half of the inputs carry the high-S form of their signature, which both sides
// must accept (noble only with { lowS: false }). One core, median of several rounds.
//
//   node --import tsx bench/verify.ts
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { verify as nodeVerify, createPublicKey } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { deviceHeader, signAssertion } from '../src/authenticator/assertion.ts';
import { generateDeviceKey } from '../src/authenticator/keys.ts';
import { systemClock } from '../src/clock.ts';
import { checkClaims, type ExpectedClaims } from '../src/device/claims.ts';
import { checkDeviceHeader, decodeAssertion } from '../src/device/jws.ts';
import { verifySignature } from '../src/device/signature.ts';
import { newChallenge, newId } from '../src/ids.ts';
import type { DeviceAlg, DevicePublicJwk } from '../src/protocol/jwk.ts';
import { isMain, median, print, rate, table } from './stats.ts';

const ISSUER = 'https://id.example.com';
const INPUTS = 64;
const ROUNDS = 5;
const ROUND_MS = 400;
const WARMUP_MS = 200;

type Input = { compact: string; expected: ExpectedClaims; signingInput: Uint8Array; signature: Uint8Array };
type Case = { alg: DeviceAlg; jwk: DevicePublicJwk; publicKey: Uint8Array; inputs: Input[] };

/** The order of the P-256 group. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** The other valid form of an ECDSA signature: (r, n - s). */
function flipS(signature: Uint8Array): Uint8Array {
  const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString('hex')}`);
  const flipped = Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex');
  return Buffer.concat([signature.subarray(0, 32), flipped]);
}

function makeCase(alg: DeviceAlg): Case {
  const key = generateDeviceKey(alg);
  const now = systemClock();
  const inputs: Input[] = [];
  for (let i = 0; i < INPUTS; i++) {
    const rid = newId();
    const chal = newChallenge();
    let compact = signAssertion(key, deviceHeader(key), { aud: ISSUER, iat: now, act: 'login', rid, chal, decision: 'approve' });
    const dot = compact.lastIndexOf('.');
    let signature: Uint8Array = Buffer.from(compact.slice(dot + 1), 'base64url');
    if (alg === 'ES256' && i % 2 === 1) {
      signature = flipS(signature);
      compact = `${compact.slice(0, dot)}.${Buffer.from(signature).toString('base64url')}`;
    }
    inputs.push({
      compact,
      expected: { issuer: ISSUER, now, act: 'login', bindings: { rid, chal } },
      signingInput: Buffer.from(compact.slice(0, dot), 'ascii'),
      signature,
    });
  }
  const jwk = key.publicJwk;
  const publicKey =
    jwk.kty === 'EC'
      ? Buffer.concat([Buffer.of(4), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')])
      : Buffer.from(jwk.x, 'base64url');
  return { alg, jwk, publicKey, inputs };
}

/** The server's work for one assertion, minus the database lookup of the device. */
function serverPath(c: Case, input: Input): boolean {
  const decoded = decodeAssertion(input.compact);
  const { alg } = checkDeviceHeader(decoded.header);
  verifySignature(alg, c.jwk, decoded.signingInput, decoded.signature);
  checkClaims(decoded.payload, input.expected);
  return true;
}

function nobleVerify(c: Case, input: Input): boolean {
  return c.alg === 'ES256'
    ? p256.verify(input.signature, input.signingInput, c.publicKey, { lowS: false, prehash: true })
    : ed25519.verify(input.signature, input.signingInput, c.publicKey);
}

function nodeVerifyOnly(c: Case): (input: Input) => boolean {
  const key = createPublicKey({ key: c.jwk, format: 'jwk' });
  return c.alg === 'ES256'
    ? (input) => nodeVerify('sha256', input.signingInput, { key, dsaEncoding: 'ieee-p1363' }, input.signature)
    : (input) => nodeVerify(null, input.signingInput, key, input.signature);
}

/** Median ops/s over ROUNDS rounds of about ROUND_MS each. */
function opsPerSecond(inputs: Input[], op: (input: Input) => boolean): number {
  const run = (ms: number): number => {
    let done = 0;
    let valid = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < ms) {
      for (let i = 0; i < 16; i++) valid += op(inputs[(done + i) % inputs.length]!) ? 1 : 0;
      done += 16;
      elapsed = performance.now() - start;
    }
    if (valid !== done) throw new Error(`${done - valid} of ${done} verifications failed: the inputs are wrong`);
    return (done * 1000) / elapsed;
  };
  run(WARMUP_MS);
  return median(Array.from({ length: ROUNDS }, () => run(ROUND_MS)));
}

export type VerifyBenchRow = { alg: DeviceAlg; server: number; nodeOnly: number; noble: number };

export function benchVerify(): VerifyBenchRow[] {
  return (['ES256', 'EdDSA'] as const).map((alg) => {
    const c = makeCase(alg);
    // Every input must pass both ways before anything is timed.
    for (const input of c.inputs) {
      serverPath(c, input);
      if (!nobleVerify(c, input)) throw new Error(`@noble/curves rejects a ${alg} input the server accepts`);
    }
    const nodeOnly = nodeVerifyOnly(c);
    return {
      alg,
      server: opsPerSecond(c.inputs, (input) => serverPath(c, input)),
      nodeOnly: opsPerSecond(c.inputs, nodeOnly),
      noble: opsPerSecond(c.inputs, (input) => nobleVerify(c, input)),
    };
  });
}

export function verifyTable(rows: VerifyBenchRow[]): string[] {
  return [
    `ops/s, median of ${ROUNDS} rounds of ${ROUND_MS} ms, ${INPUTS} distinct assertions; ES256 half high-S`,
    '',
    ...table(
      ['alg', 'server path', 'node:crypto verify only', '@noble/curves verify', 'server / noble'],
      rows.map((row) => [row.alg, rate(row.server), rate(row.nodeOnly), rate(row.noble), `${(row.server / row.noble).toFixed(1)}x`]),
    ),
    '',
    'server path = decodeAssertion + checkDeviceHeader + verifySignature (node:crypto, cached KeyObject) + checkClaims; no database lookup',
  ];
}

if (isMain(import.meta.url)) for (const line of verifyTable(benchVerify())) print(line);
