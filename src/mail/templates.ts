// The messages Scanin sends, each in plain text and in HTML made from the same paragraphs (so the
// two never say different things). They name the issuer's host, the one thing a person can check
// against the address bar, and carry nothing secret but the link they exist for.
import type { Mail } from '../store/mailOutbox.ts';

type Paragraph = string | { link: string };

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);

function message(to: string, subject: string, paragraphs: Paragraph[]): Mail {
  const text = paragraphs.map((p) => (typeof p === 'string' ? p : p.link)).join('\n\n');
  const body = paragraphs
    .map((p) => (typeof p === 'string' ? `<p>${escapeHtml(p)}</p>` : `<p><a href="${escapeHtml(p.link)}">${escapeHtml(p.link)}</a></p>`))
    .join('\n');
  const html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>\n<body style="font-family: system-ui, sans-serif; line-height: 1.5; max-width: 36rem">\n${body}\n</body></html>\n`;
  return { to, subject, text: `${text}\n`, html };
}

/** "id.example.com": what the person sees in the address bar of Scanin's pages. */
export const issuerName = (issuer: string): string => new URL(issuer).host;

const utc = (seconds: number) => `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function inviteMail(input: { issuer: string; to: string; name: string; url: string; expiresAt: number }): Mail {
  const site = issuerName(input.issuer);
  return message(input.to, `Set up your phone to sign in at ${site}`, [
    `Hello ${input.name},`,
    `You have been invited to sign in at ${site} with your phone instead of a password. Open this link on your phone to bind it to your account (${input.to}):`,
    { link: input.url },
    `The link works once, and until ${input.expiresAt ? utc(input.expiresAt) : 'it is used'}. If you did not expect it, ignore this message: nothing happens without your phone.`,
  ]);
}

export function newDeviceMail(input: { issuer: string; to: string; name: string; deviceName: string; at: number; from: string | null; accountUrl: string }): Mail {
  const site = issuerName(input.issuer);
  return message(input.to, `A new phone was added to your ${site} account`, [
    `Hello ${input.name},`,
    `A new device, "${input.deviceName}", can now sign in to your ${site} account (${input.to}). It was added on ${utc(input.at)}${input.from ? ` from ${input.from}` : ''}.`,
    'If this was you, there is nothing to do. If it was not, revoke it on your account page at once and tell your administrator:',
    { link: input.accountUrl },
  ]);
}

export function verifyEmailMail(input: { issuer: string; to: string; name: string; url: string; expiresAt: number }): Mail {
  const site = issuerName(input.issuer);
  return message(input.to, `Confirm your email address for ${site}`, [
    `Hello ${input.name},`,
    `Please confirm that ${input.to} is your address for signing in at ${site}: open this link and press Confirm.`,
    { link: input.url },
    `The link works once, until ${utc(input.expiresAt)}. If you did not create an account at ${site}, ignore this message.`,
  ]);
}
