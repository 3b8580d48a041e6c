// The state changes of login requests and enrollments are single conditional updates: on
// SQLite and on PostgreSQL alike, of many concurrent attempts exactly one wins.
import { describe, expect, it } from 'vitest';
import { newChallenge, newId } from '../../src/ids.ts';
import { ensureAccount } from '../../src/store/accounts.ts';
import { insertEnrollment, markEnrolled } from '../../src/store/enrollments.ts';
import {
  answerLoginRequest,
  closeLoginRequests,
  completeLatestApproval,
  findLoginRequest,
  insertLoginRequest,
  markScanned,
  sweepLoginRequests,
  type LoginRequest,
} from '../../src/store/loginRequests.ts';
import { DATABASE_KINDS, useMigratedDatabase } from '../helpers/databases.ts';

const NOW = 1_800_000_000;

function request(uid: string, generation: number, expiresAt = NOW + 60): LoginRequest {
  return {
    rid: newId(), uid, generation, challenge: newChallenge(), client_id: 'app', browser_ip: '127.0.0.1', user_agent: 'test',
    match_number: null, number_choices: null, status: 'pending', device_id: null, account_id: null,
    created_at: NOW, expires_at: expiresAt, answered_at: null, sign_in_expires_at: NOW + 900, expected_account_id: null, wrong_number: false,
  };
}

describe.each(DATABASE_KINDS)('login request state on %s', (kind) => {
  const database = useMigratedDatabase(kind);

  it('lets racing instances agree on one request per generation of an interaction', async () => {
    const made = await Promise.all(Array.from({ length: 10 }, () => insertLoginRequest(database.db(), request('uid-race', 1))));
    expect(new Set(made.map((r) => r.rid)).size).toBe(1);
  });

  it('lets exactly one of 50 concurrent answers win, and records that one', async () => {
    const r = await insertLoginRequest(database.db(), request('uid-answer', 1));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => answerLoginRequest(database.db(), r.rid, { status: i % 2 ? 'approved' : 'denied', device_id: `d${i}`, account_id: null }, NOW)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await findLoginRequest(database.db(), r.rid)).toMatchObject({ device_id: `d${winner}`, answered_at: NOW });
  });

  it('does not answer, scan or complete a request past its time or in the wrong state', async () => {
    const r = await insertLoginRequest(database.db(), request('uid-expired', 1, NOW - 1));
    expect(await markScanned(database.db(), r.rid, NOW)).toBe(false);
    expect(await answerLoginRequest(database.db(), r.rid, { status: 'approved', device_id: 'd', account_id: 'a' }, NOW)).toBe(false);
    expect(await completeLatestApproval(database.db(), 'uid-expired')).toBeUndefined();
    expect((await findLoginRequest(database.db(), r.rid))!.status).toBe('pending');
  });

  it('completes an approval exactly once, and returns it completed', async () => {
    const r = await insertLoginRequest(database.db(), request('uid-complete', 1));
    await answerLoginRequest(database.db(), r.rid, { status: 'approved', device_id: 'd', account_id: 'a' }, NOW);
    const results = await Promise.all(Array.from({ length: 10 }, () => completeLatestApproval(database.db(), 'uid-complete')));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(results.find(Boolean)).toMatchObject({ rid: r.rid, status: 'completed', device_id: 'd', account_id: 'a' });
  });

  it('completes only the newest request of an interaction, never an older approved one', async () => {
    const older = await insertLoginRequest(database.db(), request('uid-newest', 1));
    await answerLoginRequest(database.db(), older.rid, { status: 'approved', device_id: 'd', account_id: 'a' }, NOW);
    await insertLoginRequest(database.db(), request('uid-newest', 2));
    expect(await completeLatestApproval(database.db(), 'uid-newest')).toBeUndefined();
    expect((await findLoginRequest(database.db(), older.rid))!.status).toBe('approved');
    expect(await completeLatestApproval(database.db(), 'uid-other')).toBeUndefined();
  });

  it('closes the open requests of an ended sign-in, and no answered one', async () => {
    const open = await insertLoginRequest(database.db(), request('uid-close', 1));
    const answered = await insertLoginRequest(database.db(), request('uid-close-answered', 1));
    await answerLoginRequest(database.db(), answered.rid, { status: 'approved', device_id: 'd', account_id: 'a' }, NOW);
    expect(await closeLoginRequests(database.db(), 'uid-close', NOW)).toBe(1);
    expect(await closeLoginRequests(database.db(), 'uid-close-answered', NOW)).toBe(0);
    expect((await findLoginRequest(database.db(), open.rid))!.status).toBe('closed');
    expect(await answerLoginRequest(database.db(), open.rid, { status: 'approved', device_id: 'd', account_id: 'a' }, NOW)).toBe(false);
    expect(await markScanned(database.db(), open.rid, NOW)).toBe(false);
  });

  it('sweeps only requests older than the cut-off', async () => {
    const old = await insertLoginRequest(database.db(), request('uid-sweep-old', 1, NOW - 2000));
    const young = await insertLoginRequest(database.db(), request('uid-sweep-young', 1, NOW - 10));
    await sweepLoginRequests(database.db(), NOW - 900);
    expect(await findLoginRequest(database.db(), old.rid)).toBeUndefined();
    expect(await findLoginRequest(database.db(), young.rid)).toBeDefined();
  });

  it('lets exactly one of 20 concurrent enrollments of one invite win', async () => {
    const account = await ensureAccount(database.db(), () => NOW, 'race@example.com', 'Race');
    const eid = newId();
    await insertEnrollment(database.db(), { eid, kind: 'invite', account_id: account.id, challenge: newChallenge(), status: 'pending', device_id: null, created_at: NOW, expires_at: NOW + 60, answered_at: null });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => markEnrolled(database.db(), eid, `device-${i}`, NOW)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
