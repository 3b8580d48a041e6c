// SMTP_URL and MAIL_FROM: off by default, `log` for development, an smtp:// or smtps:// URL with
// a sender otherwise; anything else stops Scanin with the variable named.
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/config/env.ts';

describe('mail configuration', () => {
  it('is off without SMTP_URL, logs with SMTP_URL=log, sends through an smtp:// or smtps:// URL', () => {
    expect(parseMail({})).toEqual({ transport: 'off' });
    expect(parseMail({ SMTP_URL: 'off' })).toEqual({ transport: 'off' });
    expect(parseMail({ SMTP_URL: 'log' })).toEqual({ transport: 'log', from: 'Scanin <scanin@localhost.localdomain>' });
    expect(parseMail({ SMTP_URL: 'smtp://u:p@mail.example.com:587', MAIL_FROM: 'Example Sign-in <id@example.com>' })).toEqual({
      transport: 'smtp',
      url: 'smtp://u:p@mail.example.com:587',
      from: 'Example Sign-in <id@example.com>',
    });
    expect(parseMail({ SMTP_URL: 'smtps://mail.example.com', MAIL_FROM: 'id@example.com' })).toMatchObject({ transport: 'smtp' });
  });

  it('refuses another scheme, a URL without host, a missing or malformed sender, and a header break in it', () => {
    expect(() => parseMail({ SMTP_URL: 'http://mail.example.com', MAIL_FROM: 'a@example.com' })).toThrow('SMTP_URL: must start with smtp:// or smtps://, got http://');
    expect(() => parseMail({ SMTP_URL: 'mail.example.com' })).toThrow(/^SMTP_URL: expected off, log, or smtp:\/\//);
    expect(() => parseMail({ SMTP_URL: 'smtp://mail.example.com' })).toThrow('MAIL_FROM: is required with SMTP_URL');
    expect(() => parseMail({ SMTP_URL: 'smtp://mail.example.com', MAIL_FROM: 'not an address' })).toThrow(/^MAIL_FROM: expected an address/);
    expect(() => parseMail({ SMTP_URL: 'log', MAIL_FROM: 'Evil <a@example.com>\r\nBcc: victim@example.com' })).toThrow(/^MAIL_FROM: expected an address/);
  });
});
