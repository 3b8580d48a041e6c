// Recovery codes, as a relying party (openid-client), a browser (cookie jar) and phones (the
// reference authenticator) see them: a person whose phone is lost gives their email and a code
// on the sign-in page, a new phone enrolls from the QR code shown, and the app gets tokens. The
// code is then used up; a wrong, used, regenerated-away or disabled account's code reads the same
// "do not match", changes nothing, and is audited; two uses of one code at once: one wins.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disableAccount, enableAccount } from '../../src/accounts/cutOff.ts';
import { listAudit } from '../../src/audit/audit.ts';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { regenerateRecoveryCodes } from '../../src/recovery/recovery.ts';
import { findAccountByEmail, type Account } from '../../src/store/accounts.ts';
import { listDevices } from '../../src/store/devices.ts';
import { TestBrowser, type Page } from '../helpers/browser.ts';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.ts';
import { startDeviceTestScanin, type DeviceTestScanin } from '../helpers/device.ts';
import { completeLogin, enrolledPhone, openEvents, openLoginPage, type OpenLogin } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';

const ENROLL_URL = /id="qr-link" href="(https?:\/\/[^"]+\/e\/[^"]+)"/;
const NO_MATCH = 'That email and code do not match.';

/** The sign-in page's "Use a recovery code" link → the form → posted. */
async function postRecovery(login: OpenLogin, form: Record<string, string>): Promise<Page> {
  return login.browser.fetch(`${login.interactionUrl}/recovery`, { method: 'POST', form });
}

/** After a code was accepted: the enrollment URL the QR page shows. */
async function recoveryQrUrl(login: OpenLogin, posted: Page): Promise<string> {
  expect(posted.status).toBe(303);
  expect(posted.location).toBe(`${login.interactionUrl}/recovery/qr`);
  const page = await login.browser.fetch(posted.location!);
  expect(page.status).toBe(200);
  return ENROLL_URL.exec(page.body)![1]!;
}

/** What a refused attempt must leave as it was. */
async function snapshot(scanin: DeviceTestScanin, account: Account) {
  const { db } = scanin.services;
  return {
    codes: await db('recovery_codes').where({ account_id: account.id }).orderBy('slot'),
    enrollments: await db('enrollments').where({ account_id: account.id }).orderBy('created_at'),
    devices: await listDevices(db, account.id),
  };
}

describe.each(DATABASE_KINDS)('recovery codes (%s)', (kind) => {
  let database: TestDatabase;
  let scanin: DeviceTestScanin;
  let account: Account;
  let codes: string[];
  let phones = 0;
  const newPhone = () => new Authenticator({ keysFile: join(scanin.dir, `phone-${++phones}.json`) });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    scanin = await startDeviceTestScanin({ DATABASE_URL: database.url });
    await enrolledPhone(scanin, 'lost@example.com', 'lost-phone.json');
    account = (await findAccountByEmail(scanin.services.db, 'lost@example.com'))!;
    codes = await regenerateRecoveryCodes(scanin.services.db, scanin.services.clock, account.id, 'admin');
  });
  afterAll(async () => {
    await scanin?.close();
    await database?.drop();
  });

  it('stores ten scrypt hashes with one salt per set, never the codes', async () => {
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(new Set(codes).size).toBe(10);
    const { db } = scanin.services;
    const set = await db('recovery_code_sets').where({ account_id: account.id }).first();
    expect(set.params).toBe('scrypt:16384:8:1');
    expect(Buffer.from(set.salt, 'base64url')).toHaveLength(16);
    const stored = JSON.stringify(await db('recovery_codes').where({ account_id: account.id }));
    for (const code of codes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replaceAll('-', ''));
    }
  });

  it('lost phone: a code on the sign-in page → a new phone enrolls → signed in → the app gets tokens; the code is used up', async () => {
    const config = await discover(scanin.issuer);
    const login = await openLoginPage(config);
    const page = await login.browser.fetch(login.interactionUrl);
    const link = /id="recovery-link" href="([^"]+)"/.exec(page.body)?.[1];
    expect(link).toBe(`${new URL(login.interactionUrl).pathname}/recovery`);
    const form = await login.browser.fetch(new URL(link!, login.interactionUrl).href);
    expect(form.status).toBe(200);
    expect(form.body).toContain('name="code"');

    // Typed as people type: lower case, spaces for dashes, O for 0, l for 1.
    const typed = codes[3]!.toLowerCase().replaceAll('-', ' ').replaceAll('0', 'O').replaceAll('1', 'l');
    const eurl = await recoveryQrUrl(login, await postRecovery(login, { email: ' Lost@Example.com ', code: typed }));
    const events = await openEvents(login);
    const phone = newPhone();
    const enrolled = await phone.enroll(eurl, { deviceName: 'New Phone' });
    expect(enrolled.sub).toBe(account.id);
    let event = await events.next();
    while (event.type !== 'enrolled') event = await events.next();
    const completeUrl = (event.data as { complete_url: string }).complete_url;
    expect(completeUrl).toBe(`${new URL(login.interactionUrl).pathname}/recovery/complete`);
    events.close();

    // The account has codes already: no new ones are shown, the sign-in goes on to the app.
    const { leftTo, page: last } = await login.browser.follow(new URL(completeUrl, scanin.issuer).href, scanin.issuer);
    expect(last.body).not.toContain('recovery-codes');
    const tokens = await redeem(config, leftTo!, login.auth);
    expect(tokens.claims()!.sub).toBe(account.id);
    expect(tokens.claims()!.amr).toEqual(['pop']);

    // The lost phone is not revoked by itself; the new one is active beside it.
    const devices = await listDevices(scanin.services.db, account.id);
    expect(devices.map((device) => [device.name, device.status]).sort()).toEqual([['New Phone', 'active'], ['Test Phone', 'active']]);
    const used = await scanin.services.db('recovery_codes').where({ account_id: account.id }).whereNotNull('used_at');
    expect(used.map((row: { slot: number }) => row.slot)).toEqual([3]);
    const audit = await listAudit(scanin.services.db, { accountId: account.id });
    const entry = audit.find((row) => row.event === 'recovery.used');
    expect(entry?.detail).toMatchObject({ slot: 3, codes_left: 9 });
    expect(JSON.stringify(audit)).not.toContain(codes[3]!.slice(0, 4) + '-');

    // A replayed /complete signs nobody in again; the new phone signs in by QR from now on.
    const replay = await login.browser.fetch(new URL(completeUrl, scanin.issuer).href);
    expect(replay.location ?? '').not.toContain('code=');
    const again = await openLoginPage(config, new TestBrowser());
    expect((await phone.answer(again.qrUrl, 'approve')).status).toBe('approved');
    expect((await redeem(config, await completeLogin(scanin, again), again.auth)).claims()!.sub).toBe(account.id);
  });

  it('refuses the same code a second time, saying only that email and code do not match', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const before = await snapshot(scanin, account);
    const answer = await postRecovery(login, { email: 'lost@example.com', code: codes[3]! });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toContain('text/html');
    expect(answer.body).toContain(NO_MATCH);
    expect(answer.body).not.toContain(codes[3]!);
    expect(await snapshot(scanin, account)).toEqual(before);
    const failed = (await listAudit(scanin.services.db, { accountId: account.id })).filter((row) => row.event === 'recovery.failed');
    expect(failed.at(-1)?.detail).toEqual({ reason: 'used_code' });
  });

  it('refuses a wrong code and an unknown email with the same words, changing nothing', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const before = await snapshot(scanin, account);
    const wrong = await postRecovery(login, { email: 'lost@example.com', code: 'ZZZZ-ZZZZ-ZZZZ' });
    const unknown = await postRecovery(login, { email: 'nobody@example.com', code: codes[4]! });
    for (const answer of [wrong, unknown]) {
      expect(answer.status).toBe(400);
      expect(answer.body).toContain(NO_MATCH);
    }
    // The two pages differ only in the email typed back into the form.
    expect(wrong.body.replace('lost@example.com', 'X')).toBe(unknown.body.replace('nobody@example.com', 'X'));
    expect(await snapshot(scanin, account)).toEqual(before);
    const audit = await listAudit(scanin.services.db);
    expect(audit.filter((row) => row.event === 'recovery.failed').slice(-2).map((row) => row.detail)).toEqual([
      { reason: 'wrong_code' },
      { reason: 'unknown_email', email: 'nobody@example.com' },
    ]);
  });

  it('refuses an account that never had codes with the same words', async () => {
    await enrolledPhone(scanin, 'nocodes@example.com', 'nocodes.json');
    const other = (await findAccountByEmail(scanin.services.db, 'nocodes@example.com'))!;
    const login = await openLoginPage(await discover(scanin.issuer));
    const before = await snapshot(scanin, other);
    const answer = await postRecovery(login, { email: 'nocodes@example.com', code: codes[4]! });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain(NO_MATCH);
    expect(await snapshot(scanin, other)).toEqual(before);
    const failed = (await listAudit(scanin.services.db, { accountId: other.id })).filter((row) => row.event === 'recovery.failed');
    expect(failed.map((row) => row.detail)).toEqual([{ reason: 'no_codes' }]);
  });

  it('lets exactly one of four simultaneous uses of one code through', async () => {
    const config = await discover(scanin.issuer);
    const logins = await Promise.all([0, 1, 2, 3].map(() => openLoginPage(config, new TestBrowser())));
    const answers = await Promise.all(logins.map((login) => postRecovery(login, { email: 'lost@example.com', code: codes[5]! })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([303, 400, 400, 400]);
    const made = await scanin.services.db('enrollments').where({ account_id: account.id, kind: 'recovery' }).whereIn('interaction_uid', logins.map((login) => login.uid));
    expect(made).toHaveLength(1);
    const winner = logins[answers.findIndex((answer) => answer.status === 303)]!;
    expect(made[0].interaction_uid).toBe(winner.uid);
    const failed = (await listAudit(scanin.services.db, { accountId: account.id })).filter((row) => row.event === 'recovery.failed').slice(-3);
    expect(failed.map((row) => row.detail)).toEqual([{ reason: 'used_code' }, { reason: 'used_code' }, { reason: 'used_code' }]);
  });

  it('a new set invalidates the old one: old codes refused, new ones work', async () => {
    const old = codes;
    codes = await regenerateRecoveryCodes(scanin.services.db, scanin.services.clock, account.id, 'admin');
    const login = await openLoginPage(await discover(scanin.issuer));
    const refused = await postRecovery(login, { email: 'lost@example.com', code: old[7]! });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain(NO_MATCH);
    expect(await scanin.services.db('recovery_codes').where({ account_id: account.id }).whereNotNull('used_at')).toEqual([]);
    await recoveryQrUrl(login, await postRecovery(login, { email: 'lost@example.com', code: codes[0]! }));
  });

  it('a newer recovery in the same sign-in cancels its earlier enrollment', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const first = await recoveryQrUrl(login, await postRecovery(login, { email: 'lost@example.com', code: codes[1]! }));
    const second = await recoveryQrUrl(login, await postRecovery(login, { email: 'lost@example.com', code: codes[2]! }));
    expect(second).not.toBe(first);
    await expect(newPhone().enroll(first)).rejects.toThrow(/expired|cancelled/);
  });

  it('a recovery enrollment ends with its sign-in: the new phone is refused and the code stays used', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const eurl = await recoveryQrUrl(login, await postRecovery(login, { email: 'lost@example.com', code: codes[4]! }));
    const devicesBefore = await listDevices(scanin.services.db, account.id);
    scanin.clock.freeze(scanin.clock.now() + 3600);
    try {
      await expect(newPhone().enroll(eurl)).rejects.toThrow(/expired/);
    } finally {
      scanin.clock.release();
    }
    expect(await listDevices(scanin.services.db, account.id)).toEqual(devicesBefore);
    expect(await scanin.services.db('recovery_codes').where({ account_id: account.id, slot: 4 }).first()).toMatchObject({ used_at: expect.any(Number) });
  });

  it('refuses a disabled account with the same words and leaves its code unused', async () => {
    await disableAccount(scanin.services.db, scanin.services.clock, account.id);
    try {
      const login = await openLoginPage(await discover(scanin.issuer));
      const before = await snapshot(scanin, account);
      const answer = await postRecovery(login, { email: 'lost@example.com', code: codes[9]! });
      expect(answer.status).toBe(400);
      expect(answer.body).toContain(NO_MATCH);
      expect(await snapshot(scanin, account)).toEqual(before);
      const failed = (await listAudit(scanin.services.db, { accountId: account.id })).filter((row) => row.event === 'recovery.failed');
      expect(failed.at(-1)?.detail).toEqual({ reason: 'account_disabled' });
    } finally {
      await enableAccount(scanin.services.db, account.id);
    }
  });

  it('refuses malformed and oversized input with a readable page, counting and changing nothing', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const before = await snapshot(scanin, account);
    const auditBefore = (await listAudit(scanin.services.db)).length;
    await scanin.services.hitCounter.flush();
    const countsBefore = await scanin.services.db('rate_limits').where('rule', 'like', 'recovery_%').orderBy(['rule', 'subject']);
    for (const form of [
      { email: 'lost@example.com', code: 'ABCD-EFGH' },
      { email: 'lost@example.com', code: 'UUUU-UUUU-UUUU' },
      { email: 'lost@example.com', code: `${codes[8]!}${' '.repeat(60)}` },
      { email: 'not an email', code: codes[8]! },
      { email: 'lost@example.com' },
      {},
    ] as Array<Record<string, string>>) {
      const answer = await postRecovery(login, form);
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toContain('text/html');
      expect(answer.body).toContain('as it was shown');
    }
    const oversized = await postRecovery(login, { email: 'lost@example.com', code: 'A'.repeat(20_000) });
    expect(oversized.status).toBe(413);
    expect(oversized.headers['content-type']).toContain('text/html');
    expect(await snapshot(scanin, account)).toEqual(before);
    expect((await listAudit(scanin.services.db)).length).toBe(auditBefore);
    await scanin.services.hitCounter.flush();
    expect(await scanin.services.db('rate_limits').where('rule', 'like', 'recovery_%').orderBy(['rule', 'subject'])).toEqual(countsBefore);
  });

  it('is bound to the browser of the sign-in: another browser with the same uid gets nothing', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const stranger = new TestBrowser();
    const answer = await stranger.fetch(`${login.interactionUrl}/recovery`, { method: 'POST', form: { email: 'lost@example.com', code: codes[9]! } });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(await scanin.services.db('recovery_codes').where({ account_id: account.id, slot: 9 }).first()).toMatchObject({ used_at: null });
  });
});

describe('recovery rate limits', () => {
  let scanin: DeviceTestScanin;
  let account: Account;
  let codes: string[];

  beforeAll(async () => {
    scanin = await startDeviceTestScanin({ RATE_LIMITS: 'recovery_account=3/3600,recovery_ip=5/3600' });
    for (const email of ['limited@example.com', 'other@example.com']) await enrolledPhone(scanin, email, `${email}.json`);
    account = (await findAccountByEmail(scanin.services.db, 'limited@example.com'))!;
    codes = await regenerateRecoveryCodes(scanin.services.db, scanin.services.clock, account.id, 'admin');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('trips per email (even with a right code after), then per address, with 429 pages and one audit entry', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    for (let i = 0; i < 3; i++) expect((await postRecovery(login, { email: 'limited@example.com', code: 'ZZZZ-ZZZZ-ZZZ0' })).status).toBe(400);
    const tripped = await postRecovery(login, { email: 'limited@example.com', code: codes[0]! });
    expect(tripped.status).toBe(429);
    expect(tripped.headers['retry-after']).toMatch(/^\d+$/);
    expect(tripped.headers['content-type']).toContain('text/html');
    expect(await scanin.services.db('recovery_codes').where({ account_id: account.id }).whereNotNull('used_at')).toEqual([]);

    // Another email from the same address: the address has one attempt left, then none.
    expect((await postRecovery(login, { email: 'other@example.com', code: 'ZZZZ-ZZZZ-ZZZ1' })).status).toBe(400);
    expect((await postRecovery(login, { email: 'other@example.com', code: 'ZZZZ-ZZZZ-ZZZ2' })).status).toBe(429);
    const trips = (await listAudit(scanin.services.db)).filter((row) => row.event === 'rate_limit').map((row) => row.detail!.rule);
    expect(trips).toEqual(['recovery_account', 'recovery_ip']);
  });
});
