// The one cleaner for text that people read and did not write themselves: names, emails, user
// agents, client names. Whatever arrives, what comes out displays as what it is:
//   - NFKC, so compatibility forms (fullwidth letters, ligatures, superscripts) become the
//     plain letters they look like;
//   - no control, format (zero-width, bidirectional overrides and isolates, soft hyphen),
//     private-use, unassigned or surrogate characters, and no line or paragraph separators:
//     each becomes a space where it separated words, and runs of white space become one space;
//   - at most `max` characters (code points), cut with "…".
// Escaping for HTML is the page's job (ejs `<%= %>`); this makes the text honest, not safe.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]/gu;
/** Combining marks stacked beyond what any script needs ("Zalgo" text) are dropped. */
const STACKED_MARKS = /(\p{M}{3})\p{M}+/gu;

export const TEXT_LIMITS = { name: 200, email: 254, userAgent: 512, clientName: 100, deviceName: 64, place: 100 } as const;

export function cleanText(input: string, max: number): string {
  const text = input.normalize('NFKC').replace(INVISIBLE, ' ').replace(STACKED_MARKS, '$1').replace(/\s+/gu, ' ').trim();
  const points = [...text];
  return points.length <= max ? text : `${points.slice(0, max - 1).join('').trimEnd()}…`;
}
