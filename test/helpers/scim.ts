// A SCIM client's requests as the SCIM tests send them: with the bearer token, JSON bodies as
// application/scim+json, and the check that a refusal is a SCIM error (RFC 7644 §3.12).
import { expect } from 'vitest';
import type { TestScanin } from './scanin.ts';

export const SCIM_TOKEN = 'scim-token-that-is-long-enough-0123456789';
export const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

export type Answer = { status: number; body: Record<string, unknown>; headers: Headers };

/** `scanin()`: the Scanin of the calling test file, read at each request. */
export function scimClient(scanin: () => TestScanin) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await fetch(`${scanin().issuer}/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${SCIM_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
  };
}

export function expectScimError(answer: Answer, status: number, scimType?: string): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.headers.get('content-type')).toContain('application/scim+json');
  expect(answer.body).toMatchObject({ schemas: [ERROR], status: String(status), ...(scimType ? { scimType } : {}) });
  expect(typeof answer.body.detail).toBe('string');
}
