// Mail through a real SMTP server started by the test: the invite the CLI mails (and what
// happens when the SMTP server is down: it stays queued and the running server sends it later),
// the alert that a device was added to an account that had one, and a new account's email
// confirmation link (single use, for the address it was sent to, expiring, confirmed only by
// the person's POST from its page).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { listAudit } from '../../src/audit/audit.ts';
import { createEnrollment } from '../../src/enrollment/enrollments.ts';
import { settleAddedDevice, startAddDevice } from '../../src/enrollment/addDevice.ts';
import { findAccountByEmail, findAccountById, updateAccount } from '../../src/store/accounts.ts';
import { findEnrollment } from '../../src/store/enrollments.ts';
import { pendingMailCount } from '../../src/store/mailOutbox.ts';
import { runCli } from '../helpers/cli.ts';
import {
  call,
  enrollDevice,
  enrollmentAssertion,
  enrollmentPath,
  postAssertion,
  startDeviceTestScanin,
  type DeviceTestScanin,
  type EnrollmentView,
} from '../helpers/device.ts';
import { generateDeviceKey } from '../../src/authenticator/keys.ts';
import { TestSmtp, type Received } from '../helpers/smtp.ts';

const FROM = 'Example Sign-in <id@example.com>';

/** Binds a new key through `eid` over HTTP, from `ip` (as the proxy would say), named `deviceName`. */
async function enroll(scanin: DeviceTestScanin, eid: string, deviceName: string): Promise<string> {
  const view = await call(scanin, 'GET', enrollmentPath(eid));
  expect(view.status, view.text).toBe(200);
  const key = generateDeviceKey('EdDSA');
  const answer = await postAssertion(scanin, enrollmentPath(eid), enrollmentAssertion(scanin, key, view.body as EnrollmentView, { device_name: deviceName }));
  expect(answer.status, answer.text).toBe(201);
  return key.deviceId;
}

const linkIn = (received: Received, pattern: RegExp) => pattern.exec(received.mail.text ?? '')?.[0];

describe('mail through SMTP', () => {
  const smtp = new TestSmtp();
  let scanin: DeviceTestScanin;

  beforeAll(async () => {
    await smtp.start();
    scanin = await startDeviceTestScanin({ SMTP_URL: smtp.url, MAIL_FROM: FROM });
  });
  afterAll(async () => {
    await scanin?.close();
    await smtp.stop();
  });

  it('scanin invite mails the link it prints, from MAIL_FROM, naming the issuer; --no-mail does not', async () => {
    const result = await runCli(scanin, 'invite', 'ana@example.com', '--name', 'Ana <b>');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    const url = lines.at(-1)!;
    expect(lines).toContain('mailed the link to ana@example.com');
    const got = await smtp.next('ana@example.com');
    expect(got.mail.from?.text).toBe('"Example Sign-in" <id@example.com>');
    expect(got.mail.subject).toBe(`Set up your phone to sign in at ${new URL(scanin.issuer).host}`);
    expect(linkIn(got, /http:\/\/\S+\/e\/\S+/)).toBe(url);
    expect(got.mail.text).toContain('Hello Ana <b>,');
    // The name is text in the HTML part, never markup; the link is the same.
    expect(got.mail.html).toContain('Hello Ana &lt;b&gt;,');
    expect(got.mail.html).toContain(`<a href="${url}">`);
    expect(await pendingMailCount(scanin.services.db)).toBe(0);

    const quiet = await runCli(scanin, 'invite', 'bo@example.com', '--no-mail');
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).not.toContain('mail');
    expect(await pendingMailCount(scanin.services.db)).toBe(0);
  });

  it('an invite the SMTP server cannot take now stays queued, and the running server sends it once the server is back', async () => {
    await smtp.stop();
    const result = await runCli(scanin, 'invite', 'cy@example.com');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('could not mail the link to cy@example.com now');
    expect(result.stderr).toContain('mail not sent; will try again');
    expect(await pendingMailCount(scanin.services.db)).toBe(1);
    await smtp.start();
    const got = await smtp.next('cy@example.com');
    expect(linkIn(got, /http:\/\/\S+\/e\/\S+/)).toBe(result.stdout.trimEnd().split('\n').at(-1));
    while ((await pendingMailCount(scanin.services.db)) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it('alerts the person when a device joins an account that had one, not for the first, and not for a rejected one', async () => {
    const dee = await enrollDevice(scanin, 'dee@example.com');
    const account = (await findAccountById(scanin.services.db, dee.accountId))!;
    // Its first device: nothing was mailed to dee.
    const before = smtp.received.length;

    const rejected = await startAddDevice(scanin.services, dee.accountId, '198.51.100.9');
    await enroll(scanin, rejected.eid, 'Unknown tablet');
    await settleAddedDevice(scanin.services, (await findEnrollment(scanin.services.db, rejected.eid))!, 'reject', '198.51.100.9');

    const added = await startAddDevice(scanin.services, dee.accountId, '198.51.100.9');
    await enroll(scanin, added.eid, "Dee's iPad");
    await settleAddedDevice(scanin.services, (await findEnrollment(scanin.services.db, added.eid))!, 'confirm', '198.51.100.9');
    const alert = await smtp.next('dee@example.com');
    expect(smtp.received.slice(before).filter((r) => r.to.includes('dee@example.com'))).toHaveLength(1);
    expect(alert.mail.subject).toBe(`A new phone was added to your ${new URL(scanin.issuer).host} account`);
    expect(alert.mail.text).toContain('A new device, "Dee\'s iPad", can now sign in');
    expect(alert.mail.text).toContain('from 198.51.100.9');
    expect(alert.mail.text).toContain(`${scanin.issuer}/account`);
    expect(alert.mail.text).not.toContain('Unknown tablet');

    // A device enrolled straight to active (a new invite, as a recovery does) is announced too.
    const again = await createEnrollment(scanin.services.db, scanin.services.clock, account, 'invite', 600);
    await enroll(scanin, again.eid, 'Spare phone');
    const second = await smtp.next('dee@example.com', 1);
    expect(second.mail.text).toContain('"Spare phone"');
    const audited = (await listAudit(scanin.services.db, { accountId: dee.accountId })).filter((e) => e.event === 'mail.new_device');
    expect(audited).toHaveLength(2);
  });

  describe('a new account confirms its email address', () => {
    let token: string;
    let accountId: string;
    const verifyUrl = (t: string) => `${scanin.issuer}/email/verify/${t}`;
    const post = (t: string, headers: Record<string, string> = {}) =>
      request(verifyUrl(t), { method: 'POST', headers: { 'sec-fetch-site': 'same-origin', origin: new URL(scanin.issuer).origin, ...headers } });

    /** A sign-up's enrollment answered by a phone: its confirmation mail's token. */
    async function signUp(email: string): Promise<{ token: string; accountId: string }> {
      const { db, clock } = scanin.services;
      const account = (await db.transaction(async (trx) => {
        await trx('accounts').insert({ id: `acct-${email}`, email, name: 'New Person', email_verified: false, created_at: clock() });
        return findAccountByEmail(trx, email);
      }))!;
      const enrollment = await createEnrollment(db, clock, account, 'signup', 600);
      await enroll(scanin, enrollment.eid, 'New phone');
      const got = await smtp.next(email);
      expect(got.mail.subject).toBe(`Confirm your email address for ${new URL(scanin.issuer).host}`);
      const link = linkIn(got, /http:\/\/\S+\/email\/verify\/\S+/)!;
      return { token: link.split('/').at(-1)!, accountId: account.id };
    }

    beforeAll(async () => {
      ({ token, accountId } = await signUp('new@example.com'));
    });

    it('the link shows what it confirms and changes nothing; a post from another site is refused', async () => {
      const page = await request(verifyUrl(token));
      expect(page.statusCode).toBe(200);
      const body = await page.body.text();
      expect(body).toContain('<strong>new@example.com</strong>');
      expect(body).toContain(`action="/email/verify/${token}"`);
      const foreign = await post(token, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' });
      expect(foreign.statusCode).toBe(403);
      await foreign.body.dump();
      expect((await findAccountById(scanin.services.db, accountId))!.email_verified).toBe(false);
    });

    it('the person confirms it once: of two posts at the same moment one confirms, the other hears it was used; a later one too', async () => {
      const answers = await Promise.all([post(token), post(token)]);
      const statuses = answers.map((a) => a.statusCode).sort();
      const texts = await Promise.all(answers.map((a) => a.body.text()));
      expect(statuses).toEqual([200, 410]);
      expect(texts.join('')).toContain('new@example.com</strong> is confirmed');
      expect(texts.join('')).toContain('This link was used already');
      expect((await findAccountById(scanin.services.db, accountId))!.email_verified).toBe(true);
      const late = await post(token);
      expect(late.statusCode).toBe(410);
      await late.body.dump();
      expect((await listAudit(scanin.services.db, { accountId })).filter((e) => e.event === 'account.email_verified')).toHaveLength(1);
    });

    it('refuses a malformed or unknown token (404), an expired link and one for an address the account no longer has (410)', async () => {
      for (const bad of ['short', 'A'.repeat(43), `${'A'.repeat(42)}%2F`]) {
        const answer = await request(verifyUrl(bad), { headers: { accept: 'application/json' } });
        expect(answer.statusCode, bad).toBe(404);
        expect(((await answer.body.json()) as { error: string }).error).toBe('not_found');
      }

      const expiring = await signUp('late@example.com');
      scanin.clock.freeze(scanin.services.clock() + 86_400);
      try {
        const answer = await post(expiring.token);
        expect(answer.statusCode).toBe(410);
        expect(await answer.body.text()).toContain('This confirmation link has expired');
      } finally {
        scanin.clock.release();
      }

      const moved = await signUp('moving@example.com');
      await updateAccount(scanin.services.db, moved.accountId, { email: 'moved@example.com' });
      const answer = await post(moved.token);
      expect(answer.statusCode).toBe(410);
      expect(await answer.body.text()).toContain('no longer has this address');
      const account = (await findAccountById(scanin.services.db, moved.accountId))!;
      expect(account).toMatchObject({ email: 'moved@example.com', email_verified: false });
      expect((await findAccountById(scanin.services.db, expiring.accountId))!.email_verified).toBe(false);
    });
  });
});

describe('mail with SMTP_URL=log', () => {
  let scanin: DeviceTestScanin;
  beforeAll(async () => {
    scanin = await startDeviceTestScanin({ SMTP_URL: 'log', LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('the invite mail is written to the log (stderr for the CLI), not sent', async () => {
    const result = await runCli(scanin, 'invite', 'eve@example.com');
    expect(result.code, result.stderr).toBe(0);
    const url = result.stdout.trimEnd().split('\n').at(-1)!;
    expect(result.stdout).toContain('logged the invite mail to eve@example.com on stderr (SMTP_URL=log)');
    const line = result.stderr.split('\n').find((l) => l.includes('SMTP_URL=log'))!;
    const record = JSON.parse(line) as { mail: { to: string; text: string; from: string } };
    expect(record.mail).toMatchObject({ to: 'eve@example.com', from: 'Scanin <scanin@localhost.localdomain>' });
    expect(record.mail.text).toContain(url);
    expect(await pendingMailCount(scanin.services.db)).toBe(0);
  });
});
