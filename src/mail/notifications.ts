// The mail Scanin sends of itself: the link that confirms a new account's address, the alert
// that a device was added to an account that already had one, and an invite made in the admin
// console. Each is queued (so it survives an SMTP server that is down, or a restart) and tried
// at once in the background: the request that caused it never waits on SMTP.
import { recordAudit } from '../audit/audit.ts';
import { newChallenge } from '../ids.ts';
import type { Services } from '../services.ts';
import type { Account } from '../store/accounts.ts';
import { hasOtherDevice } from '../store/devices.ts';
import { insertEmailVerification } from '../store/emailVerifications.ts';
import { queueMail, type Mail } from '../store/mailOutbox.ts';
import { deliverMail } from './delivery.ts';
import { inviteMail, newDeviceMail, verifyEmailMail } from './templates.ts';

/** A day: time to find the message, short enough that an old mailbox holds no live link. */
export const EMAIL_VERIFICATION_TTL = 86_400;

async function queueAndTry(services: Services, mail: Mail): Promise<void> {
  const { mailer, db, clock, log } = services;
  if (!mailer) return;
  const id = await queueMail(db, mail, clock());
  void deliverMail({ db, clock, mailer, log }, [id]);
}

/** Sends `account` a link confirming its email; nothing without mail, or when it is verified already. */
export async function sendEmailVerification(services: Services, account: Account, ip: string | null): Promise<void> {
  if (!services.mailer || account.email_verified) return;
  const token = newChallenge();
  const now = services.clock();
  const expiresAt = now + EMAIL_VERIFICATION_TTL;
  await insertEmailVerification(services.db, token, { account_id: account.id, email: account.email, created_at: now, expires_at: expiresAt });
  const url = `${services.issuer}/email/verify/${token}`;
  await queueAndTry(services, verifyEmailMail({ issuer: services.issuer, to: account.email, name: account.name, url, expiresAt }));
  await recordAudit(services, { event: 'mail.email_verification', account_id: account.id, ip, detail: { email: account.email } });
}

/** Mails `account` the link of its invite; false when Scanin sends no mail (SMTP_URL unset). */
export async function sendInviteMail(services: Services, account: Account, url: string, expiresAt: number): Promise<boolean> {
  if (!services.mailer) return false;
  await queueAndTry(services, inviteMail({ issuer: services.issuer, to: account.email, name: account.name, url, expiresAt }));
  return true;
}

/**
 * Tells the person that `deviceId` can now sign in to their account, unless it is the account's
 * first device (they have just enrolled it themselves, from an invite or a sign-up).
 */
export async function sendNewDeviceAlert(services: Services, account: Account, device: { id: string; name: string }, ip: string | null): Promise<void> {
  if (!services.mailer) return;
  if (!(await hasOtherDevice(services.db, account.id, device.id))) return;
  const from = ip ? [ip, services.places(ip)].filter(Boolean).join(', ') : null;
  await queueAndTry(services, newDeviceMail({
    issuer: services.issuer,
    to: account.email,
    name: account.name,
    deviceName: device.name,
    at: services.clock(),
    from,
    accountUrl: `${services.issuer}/account`,
  }));
  await recordAudit(services, { event: 'mail.new_device', account_id: account.id, device_id: device.id, ip, detail: { email: account.email } });
}
