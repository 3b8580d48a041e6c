// The audit log as CSV (RFC 4180), for a spreadsheet or an auditor's tool: one header line, one
// row per entry, CRLF line ends. A cell a spreadsheet would run as a formula (one starting with
// =, +, -, @, a tab or a carriage return: an IP or a detail a client could choose) is prefixed
// with an apostrophe, as OWASP's CSV-injection advice says, so that opening the file runs nothing.
import type { AuditEntry } from './audit.ts';

const COLUMNS = ['time', 'event', 'account_id', 'device_id', 'ip', 'client_id', 'detail'] as const;

function cell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function auditCsv(entries: readonly AuditEntry[]): string {
  const rows = entries.map((entry) => [
    new Date(entry.at * 1000).toISOString(),
    entry.event,
    entry.account_id,
    entry.device_id,
    entry.ip,
    entry.client_id,
    entry.detail ? JSON.stringify(entry.detail) : null,
  ].map(cell).join(','));
  return [COLUMNS.join(','), ...rows].map((line) => `${line}\r\n`).join('');
}
