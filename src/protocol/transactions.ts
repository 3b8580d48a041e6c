// Reading a login request's `authorization_details` text (docs/protocol.md §19) for the person:
// what the phone shows before they decide. Pure, with no Node module, so the web app's bundle and
// the reference phone share it. A text that is not what §19 describes gives a reason instead,
// and the phone then offers only Deny: it must not approve what it cannot show.
export type Transaction = { type: string; description: string };

export function readTransactions(text: string): Transaction[] | string {
  let details: unknown;
  try {
    details = JSON.parse(text);
  } catch {
    return 'authorization_details is not JSON text';
  }
  if (!Array.isArray(details) || details.length === 0) return 'authorization_details is not a non-empty JSON array';
  const transactions: Transaction[] = [];
  for (const [index, detail] of details.entries()) {
    const { type, description } = (typeof detail === 'object' && detail !== null ? detail : {}) as Record<string, unknown>;
    if (typeof type !== 'string' || typeof description !== 'string') return `authorization_details[${index}] has no string type and description`;
    transactions.push({ type, description });
  }
  return transactions;
}
