// SQL statements one full QR login runs, by kind and table (the knex `query` event; the same
// count as DEBUG=knex:query), on a warm Scanin with a SQLite file.
//
//   node --import tsx bench/statements.ts
import { discover } from '../test/helpers/rp.ts';
import { startTestScanin } from '../test/helpers/scanin.ts';
import { enrolledPhone, scaninLogin } from './flows.ts';
import { isMain, print, table } from './stats.ts';

export async function countStatements(): Promise<{ total: number; byKind: [string, number][] }> {
  const scanin = await startTestScanin({ env: { NUMBER_MATCHING: 'false' } });
  try {
    const login = scaninLogin(await discover(scanin.issuer), scanin.issuer, await enrolledPhone(scanin.issuer, scanin.env.DATABASE_URL!, scanin.dir));
    await login(); // warm: the account has logged in before, caches (if any) are filled
    const seen: string[] = [];
    const record = (query: { sql: string }) => seen.push(query.sql);
    scanin.services.db.on('query', record);
    await login();
    scanin.services.db.off('query', record);
    const counts = new Map<string, number>();
    for (const sql of seen) {
      const kind = /^\s*(\w+)/.exec(sql)![1]!.toLowerCase();
      const from = /(?:from|into|update)\s+[`"]?(\w+)/i.exec(sql)?.[1] ?? '';
      const key = `${kind} ${from}`.trim();
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return { total: seen.length, byKind: [...counts.entries()].sort((a, b) => b[1] - a[1]) };
  } finally {
    await scanin.close();
  }
}

export function statementsTable(result: Awaited<ReturnType<typeof countStatements>>): string[] {
  return [`${result.total} statements in one full QR login`, '', ...table(['statement', 'count'], result.byKind.map(([kind, count]) => [kind, String(count)]))];
}

if (isMain(import.meta.url)) for (const line of statementsTable(await countStatements())) print(line);
