// oidc-provider's storage: every model (Session, Grant, AuthorizationCode, AccessToken,
// Interaction, …) in one table keyed by (model, id), with the lookups the engine needs and an
// expiry that `find` honours even before the sweeper has removed the row. Each row also names
// its account and, for sessions and grants, the device that opened it (see sessionOrigin.ts).
import type { Knex } from 'knex';
import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Clock } from '../clock.ts';
import { joinedAccount } from '../store/accounts.ts';
import { groupsColumn, groupsFromColumn } from '../store/groups.ts';
import { rememberGroupsRead } from './accessRules.ts';
import type { Db } from '../store/db.ts';
import { rememberAccountRead } from './account.ts';
import { checkStoredParams } from './storedParamLimits.ts';
import { loginOrigin, recordSessionOrigin, type Origin } from './sessionOrigin.ts';

/** The models that hold a grant's tokens and codes (the engine's memory adapter's `grantable`). */
const GRANT_TOKENS = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode'];
/** What an upsert replaces: everything but the origin columns, which sessionOrigin.ts decides. */
const REPLACED = ['payload', 'grant_id', 'uid', 'user_code', 'account_id', 'expires_at', 'consumed_at'];

/** What the token endpoint redeems; it asks for the account of each right after reading it. */
const REDEEMED = new Set(['AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);
const ACCOUNT_PREFIX = 'account__';
const GROUPS_COLUMN = 'account__groups';

type Row = { payload: string; expires_at: number | null; consumed_at: number | null };

function payloadOf(row: Row): AdapterPayload {
  const payload = JSON.parse(row.payload) as AdapterPayload;
  return row.consumed_at ? { ...payload, consumed: row.consumed_at } : payload;
}

/**
 * Options leave out what only Scanin needs, for an engine with no devices and no accounts of
 * Scanin's (the benchmark's bare engine): `sessionOrigins`, sessionOrigin.ts; `accounts`, reading
 * the account with what the token endpoint redeems (account.ts).
 */
export function knexAdapterFactory(db: Db, clock: Clock, { sessionOrigins = true, accounts = true } = {}) {
  return class KnexAdapter implements Adapter {
    readonly model: string;

    /** What an upsert that stores a finishing login's origin replaces (only Session and Grant store one). */
    private readonly mergedWithOrigin: string[] | Record<string, Knex.Raw>;

    constructor(model: string) {
      this.model = model;
      // A session takes the device of its latest sign-in; a grant keeps the device that first
      // opened it, and takes this one only where it had none.
      this.mergedWithOrigin = model === 'Session'
        ? [...REPLACED, 'device_id', 'ip', 'user_agent']
        : model === 'Grant'
          ? { ...Object.fromEntries(REPLACED.map((column) => [column, db.raw('excluded.??', [column])])), device_id: db.raw('coalesce(??, excluded.??)', ['oidc_payloads.device_id', 'device_id']) }
          : REPLACED;
    }

    /** The origin columns of a session or grant stored as a login finishes (sessionOrigin.ts). */
    private originColumns(id: string): Partial<Origin> | undefined {
      if (!sessionOrigins || (this.model !== 'Session' && this.model !== 'Grant')) return undefined;
      const origin = loginOrigin(this.model, id);
      if (!origin) return undefined;
      return this.model === 'Session' ? origin : { device_id: origin.device_id };
    }

    private rows() {
      return db('oidc_payloads').where('model', this.model);
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      checkStoredParams(payload);
      const row = {
        model: this.model,
        id,
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        uid: payload.uid ?? null,
        user_code: payload.userCode ?? null,
        account_id: payload.accountId ?? null,
        expires_at: expiresIn ? clock() + expiresIn : null,
        consumed_at: null,
      };
      const origin = this.originColumns(id);
      await db('oidc_payloads').insert({ ...row, ...origin }).onConflict(['model', 'id']).merge(origin ? this.mergedWithOrigin : REPLACED);
      if (sessionOrigins && this.model === 'Session') await recordSessionOrigin(db, id, payload);
    }

    private async findWhere(column: string, value: string): Promise<AdapterPayload | undefined> {
      const row = (await this.rows()
        .where(column, value)
        .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', clock()))
        .first('payload', 'expires_at', 'consumed_at')) as Row | undefined;
      return row && payloadOf(row);
    }

    /**
     * A code or token being redeemed, and its account and the account's groups in the same
     * statement, kept for the request: the groups scope and access rules ask for those next.
     */
    private async findWithAccount(id: string): Promise<AdapterPayload | undefined> {
      const now = clock();
      const row = (await db('oidc_payloads')
        .leftJoin('accounts', 'accounts.id', 'oidc_payloads.account_id')
        .where({ 'oidc_payloads.model': this.model, 'oidc_payloads.id': id })
        .andWhere((q) => q.whereNull('oidc_payloads.expires_at').orWhere('oidc_payloads.expires_at', '>', now))
        .first('oidc_payloads.payload', 'oidc_payloads.expires_at', 'oidc_payloads.consumed_at', 'oidc_payloads.account_id', ...joinedAccount.columns(ACCOUNT_PREFIX), groupsColumn(db, 'oidc_payloads.account_id', now, GROUPS_COLUMN))) as
        | (Row & { account_id: string | null } & Record<string, unknown>)
        | undefined;
      if (!row) return undefined;
      const request = Provider.ctx;
      if (request && row.account_id) {
        rememberAccountRead(request, row.account_id, joinedAccount.from(row, ACCOUNT_PREFIX));
        rememberGroupsRead(request, row.account_id, groupsFromColumn(row[GROUPS_COLUMN]));
      }
      return payloadOf(row);
    }

    find(id: string) {
      return accounts && REDEEMED.has(this.model) ? this.findWithAccount(id) : this.findWhere('id', id);
    }

    findByUid(uid: string) {
      return this.findWhere('uid', uid);
    }

    findByUserCode(userCode: string) {
      return this.findWhere('user_code', userCode);
    }

    async consume(id: string): Promise<void> {
      await this.rows().where('id', id).update({ consumed_at: clock() });
    }

    async destroy(id: string): Promise<void> {
      await this.rows().where('id', id).delete();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      // A grant's tokens live under several models; revoking the grant removes them all, as the
      // engine's own memory adapter does (by the index on model and grant_id). Its tokens only,
      // not an Interaction that carries the grantId too: the one a login goes on with must
      // outlive the logout that switching accounts makes (end_session revokes the old account's
      // grant, then the login resumes).
      await db('oidc_payloads').where('grant_id', grantId).whereIn('model', GRANT_TOKENS).delete();
    }
  };
}

/** Deletes expired payloads; returns how many. Run on a schedule by the server. */
export async function sweepExpiredPayloads(db: Db, clock: Clock): Promise<number> {
  return db('oidc_payloads').where('expires_at', '<=', clock()).delete();
}
