// A sign-in opened with "Open it here" on its own page, in this very tab (views/assets/login.js
// leaves the mark): the page with the number is the one this app covers, so the app shows that
// number itself, and goes back to the page once it has answered.
//
// Why this keeps number matching's protection (SECURITY.md, login relay): the number is read from
// the sign-in page as the page reads it, with this browser's interaction cookie, and only for a
// mark that a Scanin page of this origin left in this tab. A relayed link opened elsewhere has
// no mark, and a page fetched without the interaction's cookie shows no number: the person still
// has to find the number on a screen, and that screen is their own browser's.
const MARK = 'scanin-open-here';

type Mark = { rid: string; page: string };

function readMark(rid: string): Mark | null {
  try {
    const mark = JSON.parse(sessionStorage.getItem(MARK) ?? 'null') as Partial<Mark> | null;
    return mark && mark.rid === rid && typeof mark.page === 'string' && mark.page.startsWith('/') ? { rid, page: mark.page } : null;
  } catch {
    return null;
  }
}

/** The number the sign-in page of request `rid` shows in this tab, if it is one of `choices`. */
export async function numberShownHere(rid: string, choices: string[]): Promise<string | null> {
  const mark = readMark(rid);
  if (!mark) return null;
  try {
    const response = await fetch(mark.page, { credentials: 'same-origin', headers: { accept: 'text/html' } });
    if (!response.ok) return null;
    const page = new DOMParser().parseFromString(await response.text(), 'text/html');
    // The number of this very request: a page that moved on to a new code shows another one's.
    if (page.getElementById('login')?.getAttribute('data-rid') !== rid) return null;
    const number = page.getElementById('number')?.textContent?.trim() ?? '';
    return choices.includes(number) ? number : null;
  } catch {
    return null;
  }
}

/**
 * After the answer, back to the sign-in page this tab came from (the entry before the app's),
 * which then finishes by itself: no Back to press. False when the request was not opened so.
 */
export function returnToSignInPage(rid: string): boolean {
  if (!readMark(rid)) return false;
  sessionStorage.removeItem(MARK);
  history.back();
  return true;
}
