// The "Recovery codes" section of the account page (/account): how many unused codes the person
// has, and a form that makes a new set (the old one stops working) and shows it once.
//   POST /account/recovery-codes   (CSRF token, rate limit: readAccountForm) → the new codes
//                                  only after a fresh scan (accountPage/freshScan.ts): a new set
//                                  is a way into the account that outlives every session
// It is also where a person whose first phone enrolled without a browser beside it (an invite
// opened on the phone itself) makes their first set: the section then says they have none.
import type Router from '@koa/router';
import { accountSessionOf, readAccountForm, renderAccountView, requireAccountSession, type AccountSession } from '../accountPage/accountSession.ts';
import { requireFreshScan } from '../accountPage/freshScan.ts';
import { recordAudit } from '../audit/audit.ts';
import { clientIp } from '../http/ip.ts';
import type { Services } from '../services.ts';
import { recoveryCodesLeft } from '../store/recoveryCodes.ts';
import { regenerateRecoveryCodes } from './recovery.ts';

/** The section's data (src/accountPage/sections.ts): unused codes, null when none were ever made. */
export async function recoverySectionData(services: Services, session: AccountSession): Promise<Record<string, unknown>> {
  return { codesLeft: await recoveryCodesLeft(services.db, session.account.id) };
}

export function mountAccountRecoveryCodes(router: Router, services: Services): void {
  router.post('/account/recovery-codes', requireAccountSession(services), requireFreshScan(services, '/account#recovery'), async (ctx) => {
    const { account } = accountSessionOf(ctx);
    await readAccountForm(ctx, services);
    const codes = await regenerateRecoveryCodes(services.db, services.clock, account.id, 'account');
    await recordAudit(services, { event: 'recovery.codes_created', account_id: account.id, ip: clientIp(ctx), detail: { by: 'account' } });
    await renderAccountView(ctx, 'recovery-codes', {
      codes,
      continueUrl: `${services.basePath}/account#recovery`,
      continueLabel: 'I have saved them — back to my account',
    });
  });
}
