// The account a browser remembers is stored only while that account may still sign in: a sign-in
// whose account was disabled or deleted after its phone approved (a cut-off racing /complete)
// leaves no memory of it, and no row that would break the foreign key. On SQLite and PostgreSQL.
import { describe, expect, it } from 'vitest';
import { disableAccount } from '../../src/accounts/cutOff.ts';
import { systemClock } from '../../src/clock.ts';
import { ensureAccount } from '../../src/store/accounts.ts';
import { rememberBrowser, rememberedAccountId } from '../../src/store/rememberedBrowsers.ts';
import { DATABASE_KINDS, useMigratedDatabase } from '../helpers/databases.ts';

const token = (n: number) => `${String(n).padStart(2, '0')}${'a'.repeat(41)}`;
const NOW = 1_000;
const UNTIL = 2_000;

describe.each(DATABASE_KINDS)('remembered browsers on %s', (kind) => {
  const { db } = useMigratedDatabase(kind);

  it('remembers an account that may sign in, and a new token takes the old one’s row', async () => {
    const ann = await ensureAccount(db(), systemClock, 'ann@example.com', 'Ann');
    expect(await rememberBrowser(db(), token(1), ann.id, NOW, UNTIL)).toBe(true);
    expect(await rememberedAccountId(db(), token(1), NOW)).toBe(ann.id);
    expect(await rememberBrowser(db(), token(2), ann.id, NOW, UNTIL, token(1))).toBe(true);
    expect(await rememberedAccountId(db(), token(1), NOW)).toBeUndefined();
    expect(await rememberedAccountId(db(), token(2), NOW)).toBe(ann.id);
    expect(await db()('remembered_browsers').where({ account_id: ann.id })).toHaveLength(1);
  });

  it('stores nothing for a disabled account, neither as a new row nor in the browser’s old one', async () => {
    const ben = await ensureAccount(db(), systemClock, 'ben@example.com', 'Ben');
    expect(await rememberBrowser(db(), token(3), ben.id, NOW, UNTIL)).toBe(true);
    expect(await disableAccount(db(), systemClock, ben.id)).toBe(true);
    expect(await rememberBrowser(db(), token(4), ben.id, NOW, UNTIL)).toBe(false);
    expect(await rememberBrowser(db(), token(5), ben.id, NOW, UNTIL, token(3))).toBe(false);
    expect(await rememberedAccountId(db(), token(4), NOW)).toBeUndefined();
    expect(await rememberedAccountId(db(), token(5), NOW)).toBeUndefined();
  });

  it('stores nothing, and throws nothing, for an account that no longer exists', async () => {
    expect(await rememberBrowser(db(), token(6), 'no-such-account', NOW, UNTIL)).toBe(false);
    expect(await db()('remembered_browsers').where({ account_id: 'no-such-account' })).toEqual([]);
  });
});
