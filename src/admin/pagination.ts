// Lists of the console come a page at a time: ?page=N (from 1), PAGE_SIZE rows each. A store
// query reads one row more than a page, so the page knows whether there is a next one without
// counting the table.
import type { Context } from 'koa';

export const PAGE_SIZE = 50;
const LAST_PAGE = 10_000;

export type Page<T> = { items: T[]; number: number; previous: string | null; next: string | null };

/** The page asked for; 1 for anything that is not a page number. */
export function pageNumber(ctx: Context): number {
  const raw = ctx.query.page;
  const page = typeof raw === 'string' && /^[1-9]\d{0,4}$/.test(raw) ? Number(raw) : 1;
  return Math.min(page, LAST_PAGE);
}

/** What a store query reads for page `number`: PAGE_SIZE + 1 rows from `offset`. */
export const pageWindow = (number: number) => ({ limit: PAGE_SIZE + 1, offset: (number - 1) * PAGE_SIZE });

/**
 * A page of `rows` (read with pageWindow), with links to its neighbours: `path` with `query`
 * (the list's filters, kept) and the page number.
 */
export function pageOf<T>(rows: T[], number: number, path: string, query: Record<string, string>): Page<T> {
  const link = (page: number) => `${path}?${new URLSearchParams({ ...query, ...(page > 1 ? { page: String(page) } : {}) })}`.replace(/\?$/, '');
  return {
    items: rows.slice(0, PAGE_SIZE),
    number,
    previous: number > 1 ? link(number - 1) : null,
    next: rows.length > PAGE_SIZE && number < LAST_PAGE ? link(number + 1) : null,
  };
}
