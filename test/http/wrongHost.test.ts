// Scanin reached at another address than its ISSUER (ISSUER left at localhost while a phone comes
// over the LAN): the enrollment and sign-in link pages say so, naming both addresses, and the web
// app's device API refuses the answer with `wrong_issuer` saying the same, instead of an error
// that names neither. Opened at the issuer's own host, directly or through a trusted proxy, no
// page warns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createEnrollment } from '../../src/enrollment/enrollments.ts';
import { parseScaninUrl } from '../../src/protocol/urls.ts';
import { ensureAccount } from '../../src/store/accounts.ts';
import { ApiError, readEnrollment } from '../../src/webapp/client/deviceApi.ts';
import { describeError } from '../../src/webapp/client/messages.ts';
import { freePort, startTestScanin, type TestScanin } from '../helpers/scanin.ts';

describe('a link opened at another address than ISSUER', () => {
  let scanin: TestScanin;
  let port: number;
  let eid: string;
  const page = async (path: string, headers: Record<string, string> = {}) => {
    const answer = await request(`http://127.0.0.1:${port}${path}`, { headers: { accept: 'text/html', ...headers } });
    return { status: answer.statusCode, body: await answer.body.text() };
  };

  beforeAll(async () => {
    port = await freePort();
    scanin = await startTestScanin({ env: { PORT: String(port), ISSUER: `http://localhost:${port}`, TRUST_PROXY: '127.0.0.1' } });
    const { db, clock } = scanin.services;
    eid = (await createEnrollment(db, clock, (await ensureAccount(db, clock, 'ana@example.com', 'Ana'))!, 'invite', 600)).eid;
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('the enrollment and sign-in pages name the address used and the issuer', async () => {
    for (const path of [`/e/${eid}`, '/q/s_3rd08C8b6BK9GJlB7Mmg']) {
      const { status, body } = await page(path);
      expect(status, path).toBe(200);
      expect(body, path).toContain(`You opened this at <strong>127.0.0.1:${port}</strong>, but this Scanin's address (its <code>ISSUER</code>) is <strong>http://localhost:${port}</strong>`);
    }
  });

  it('at the issuer\'s own host, or through a proxy that forwards it, no page warns', async () => {
    for (const headers of [{ host: `localhost:${port}` }, { 'x-forwarded-host': `localhost:${port}`, 'x-forwarded-proto': 'http' }] as Array<Record<string, string>>) {
      const { status, body } = await page(`/e/${eid}`, headers);
      expect(status).toBe(200);
      expect(body).not.toContain('id="wrong-host"');
    }
  });

  it("the web app's device API refuses the answer with wrong_issuer, naming both addresses", async () => {
    const error = (await readEnrollment(parseScaninUrl(`http://127.0.0.1:${port}/e/${eid}`)!).catch((caught: unknown) => caught)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.error).toBe('wrong_issuer');
    expect(describeError(error, 'enroll')).toEqual({
      title: 'This link uses another address for the server',
      text: `This link points to http://127.0.0.1:${port}, but that server's own address (its ISSUER) is http://localhost:${port}. Use a link or QR code made for http://localhost:${port}; if this phone cannot reach it, whoever runs Scanin must set ISSUER to an address the phone reaches.`,
    });
  });
});
