// What a directory's SCIM requests do to accounts. A new User is an account (its email counted
// as verified: the directory vouches for it) or, when an account of that email exists and no
// directory has claimed it yet, that account. `active: false` is deprovisioning: the account is
// disabled and its sessions, grants and tokens end at once (accounts/cutOff.ts); `true` lets it
// sign in again with its devices. DELETE removes the account with all it holds. Each change is
// in the audit log (`scim.user_created`, `scim.user_updated`, `scim.user_deactivated`,
// `scim.user_reactivated`, `scim.user_deleted`).
import { recordAudit } from '../audit/audit.ts';
import { deleteAccount, disableAccount, enableAccount } from '../accounts/cutOff.ts';
import type { Services } from '../services.ts';
import { createAccount, findAccountByEmail, findAccountById, updateAccount } from '../store/accounts.ts';
import { findScimUser, findScimUserName, putScimUser, type ScimUser } from '../store/scimUsers.ts';
import { resourceNotFound, uniqueness } from './errors.ts';
import type { UserInput } from './userResource.ts';

async function checkUserNameFree(services: Services, userName: string, accountId?: string): Promise<void> {
  const holder = await findScimUserName(services.db, userName);
  if (holder && holder !== accountId) throw uniqueness(`userName ${JSON.stringify(userName)} belongs to another user`);
}

async function setActive(services: Services, accountId: string, active: boolean, ip: string | null): Promise<void> {
  const changed = active ? await enableAccount(services.db, accountId) : await disableAccount(services.db, services.clock, accountId);
  if (changed) await recordAudit(services, { event: active ? 'scim.user_reactivated' : 'scim.user_deactivated', account_id: accountId, ip });
}

export async function createUser(services: Services, input: UserInput, ip: string | null): Promise<ScimUser> {
  const { db, clock } = services;
  await checkUserNameFree(services, input.userName);
  let account = await findAccountByEmail(db, input.email);
  if (account && (await findScimUser(db, account.id))) throw uniqueness(`${input.email} belongs to another user`);
  const adopted = account !== undefined;
  if (account) await updateAccount(db, account.id, { name: input.name, email_verified: true });
  else account = await createAccount(db, clock, { email: input.email, name: input.name, email_verified: true });
  if (!account) throw uniqueness(`${input.email} belongs to another user`);
  await putScimUser(db, account.id, { userName: input.userName, externalId: input.externalId, updatedAt: clock() }).catch(async (error: unknown) => {
    await checkUserNameFree(services, input.userName, account.id);
    throw error;
  });
  await recordAudit(services, { event: 'scim.user_created', account_id: account.id, ip, detail: { user_name: input.userName, email: input.email, adopted } });
  await setActive(services, account.id, input.active, ip);
  return (await findScimUser(db, account.id))!;
}

export async function requireUser(services: Services, id: string): Promise<ScimUser> {
  const user = await findScimUser(services.db, id);
  if (!user) throw resourceNotFound(`User ${id}`);
  return user;
}

/** PUT, and PATCH once applied: the account and what the directory knows it by become `input`. */
export async function replaceUser(services: Services, user: ScimUser, input: UserInput, ip: string | null): Promise<ScimUser> {
  const { db, clock } = services;
  const { account } = user;
  await checkUserNameFree(services, input.userName, account.id);
  const emailChanged = input.email !== account.email;
  if (emailChanged || input.name !== account.name) {
    if (!(await updateAccount(db, account.id, { name: input.name, ...(emailChanged ? { email: input.email, email_verified: true } : {}) }))) {
      throw uniqueness(`${input.email} belongs to another account`);
    }
  }
  await putScimUser(db, account.id, { userName: input.userName, externalId: input.externalId, updatedAt: clock() });
  await recordAudit(services, { event: 'scim.user_updated', account_id: account.id, ip, detail: { user_name: input.userName, email: input.email } });
  await setActive(services, account.id, input.active, ip);
  return (await findScimUser(db, account.id))!;
}

export async function deleteUser(services: Services, user: ScimUser, ip: string | null): Promise<void> {
  const account = await findAccountById(services.db, user.account.id);
  if (!account || !(await deleteAccount(services.db, account.id))) throw resourceNotFound(`User ${user.account.id}`);
  await recordAudit(services, { event: 'scim.user_deleted', account_id: account.id, ip, detail: { user_name: user.userName, email: account.email } });
}
