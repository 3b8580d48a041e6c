// The scanned-URL grammar of docs/protocol.md §2, as the reference authenticator applies it:
// what a device accepts (and the issuer it derives), and what it must refuse.
import { describe, expect, it } from 'vitest';
import { parseScaninUrl } from '../../src/protocol/urls.ts';

const RID = 's_3rd08C8b6BK9GJlB7Mmg';

describe('scanned URLs a device accepts, and the issuer it derives', () => {
  it.each([
    [`https://id.example.com/q/${RID}`, 'https://id.example.com', 'login'],
    [`https://example.com/idp/e/${RID}`, 'https://example.com/idp', 'enroll'],
    [`https://example.com/a.b/c~d/e_f-g/q/${RID}`, 'https://example.com/a.b/c~d/e_f-g', 'login'],
    [`  https://id.example.com/q/${RID}\r\n`, 'https://id.example.com', 'login'],
    [`HTTPS://ID.Example.COM:443/q/${RID}`, 'https://id.example.com', 'login'],
    [`http://127.0.0.1:3000/sso/q/${RID}`, 'http://127.0.0.1:3000/sso', 'login'],
    [`https://[2001:DB8:0:0::1]:8443/q/${RID}`, 'https://[2001:db8::1]:8443', 'login'],
    [`https://bücher.example/q/${RID}`, 'https://xn--bcher-kva.example', 'login'],
    [`https://id.example.com/q/${'A'.repeat(128)}`, 'https://id.example.com', 'login'],
  ])('%s → issuer %s', (text, issuer, kind) => {
    expect(parseScaninUrl(text)).toMatchObject({ issuer, kind });
  });
});

describe('scanned URLs a device refuses', () => {
  it.each([
    ['a trailing slash', `https://id.example.com/q/${RID}/`],
    ['an empty query', `https://id.example.com/q/${RID}?`],
    ['a query', `https://id.example.com/q/${RID}?x=1`],
    ['an empty fragment', `https://id.example.com/q/${RID}#`],
    ['a fragment', `https://id.example.com/q/${RID}#x`],
    ['user info', `https://user:pw@id.example.com/q/${RID}`],
    ['a percent-encoded id', `https://id.example.com/q/s_3rd08C8b6BK9GJlB7Mm%67`],
    ['a percent-encoded prefix', `https://example.com/my%20idp/q/${RID}`],
    ['an empty prefix segment', `https://example.com//q/${RID}`],
    ['another scheme', `ftp://id.example.com/q/${RID}`],
    ['no kind', `https://id.example.com/${RID}`],
    ['another kind', `https://id.example.com/x/${RID}`],
    ['an id of 21 characters', `https://id.example.com/q/${RID.slice(1)}`],
    ['an id of 129 characters', `https://id.example.com/q/${'A'.repeat(129)}`],
    ['an id with "="', `https://id.example.com/q/${RID.slice(1)}=`],
    ['not a URL', 'id.example.com/q/' + RID],
  ])('%s', (_rule, text) => {
    expect(parseScaninUrl(text)).toBeNull();
  });
});
