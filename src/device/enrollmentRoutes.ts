// GET and POST /device/v1/enrollments/:eid — a device reads an enrollment and binds its new key.
// POST: body (413, 400) → the enrollment exists (404) → still open (409, 410) → the assertion
// proves possession of the key in its `jwk` header (401) → bindings eid and chal (401) → device
// name (400) → in one transaction: the enrollment flips pending → enrolled (one winner) and the
// device is stored.
import type Router from '@koa/router';
import { recordAudit } from '../audit/audit.ts';
import { wake } from '../enrollment/addDevice.ts';
import { checkEnrollmentOpen } from '../enrollment/enrollments.ts';
import { completePath } from '../enrollment/signInEnrollments.ts';
import { sendEmailVerification, sendNewDeviceAlert } from '../mail/notifications.ts';
import { interactionTopic } from '../events/bus.ts';
import { clientIp, networkOf } from '../http/ip.ts';
import { accountDisabled, alreadyAnswered, keyAlreadyEnrolled, notFound } from '../protocol/errors.ts';
import { jwkThumbprint } from '../protocol/jwk.ts';
import { enforceRateLimit } from '../ratelimit/enforceRateLimit.ts';
import type { Services } from '../services.ts';
import { findAccountById } from '../store/accounts.ts';
import { findDevice, insertDevice } from '../store/devices.ts';
import { findEnrollment, markEnrolled, type Enrollment } from '../store/enrollments.ts';
import { readAssertionBody } from './body.ts';
import { checkClaims } from './claims.ts';
import { parseDeviceName } from './deviceName.ts';
import { checkEnrollmentHeader, decodeAssertion } from './jws.ts';
import { verifySignature } from './signature.ts';

async function loadOpenEnrollment(services: Services, eid: string): Promise<Enrollment> {
  const enrollment = await findEnrollment(services.db, eid);
  if (!enrollment) throw notFound('this enrollment');
  checkEnrollmentOpen(enrollment, services.clock());
  const account = await findAccountById(services.db, enrollment.account_id);
  if (!account || account.disabled_at !== null) throw accountDisabled();
  return enrollment;
}

export function mountEnrollmentRoutes(router: Router, services: Services): void {
  const { db, clock } = services;

  router.get('/device/v1/enrollments/:eid', async (ctx) => {
    await enforceRateLimit(services, 'enroll_ip', networkOf(clientIp(ctx)));
    const enrollment = await loadOpenEnrollment(services, ctx.params.eid!);
    const account = (await findAccountById(db, enrollment.account_id))!;
    ctx.body = {
      eid: enrollment.eid,
      act: 'enroll',
      kind: enrollment.kind,
      challenge: enrollment.challenge,
      issuer: services.issuer,
      account: { email: account.email, name: account.name },
      expires_at: enrollment.expires_at,
    };
  });

  router.post('/device/v1/enrollments/:eid', async (ctx) => {
    await enforceRateLimit(services, 'enroll_ip', networkOf(clientIp(ctx)));
    const assertion = await readAssertionBody(ctx);
    const enrollment = await loadOpenEnrollment(services, ctx.params.eid!);
    await enforceRateLimit(services, 'enroll_account', enrollment.account_id);
    const now = clock();
    const decoded = decodeAssertion(assertion);
    const { alg, jwk } = checkEnrollmentHeader(decoded.header);
    verifySignature(alg, jwk, decoded.signingInput, decoded.signature);
    checkClaims(decoded.payload, {
      issuer: services.issuer,
      now,
      act: 'enroll',
      bindings: { eid: enrollment.eid, chal: enrollment.challenge },
    });
    const deviceName = parseDeviceName(decoded.payload.device_name);
    const deviceId = jwkThumbprint(jwk);
    if (await findDevice(db, deviceId)) throw keyAlreadyEnrolled();

    // add_device leaves the new device waiting until the browser that showed the QR confirms it,
    // and only until the enrollment's own end (enrollment/addDevice.ts).
    const status = enrollment.kind === 'add_device' ? 'pending_confirmation' : 'active';
    const confirmBy = status === 'pending_confirmation' ? enrollment.expires_at : null;
    const won = await db.transaction(async (trx) => {
      if (!(await markEnrolled(trx, enrollment.eid, deviceId, now))) return false;
      await insertDevice(trx, { id: deviceId, account_id: enrollment.account_id, name: deviceName, alg, public_jwk: jwk, status, created_at: now, confirm_by: confirmBy });
      return true;
    }).catch(async (error: unknown) => {
      // The same key enrolled at the same moment through another enrollment: the key is taken.
      if (await findDevice(db, deviceId)) throw keyAlreadyEnrolled();
      throw error;
    });
    if (!won) {
      checkEnrollmentOpen((await findEnrollment(db, enrollment.eid))!, clock());
      throw alreadyAnswered('this enrollment');
    }
    await recordAudit(services, {
      event: 'enrollment',
      account_id: enrollment.account_id,
      device_id: deviceId,
      ip: clientIp(ctx),
      detail: { kind: enrollment.kind, device_name: deviceName, status },
    });
    // The browser that shows an add-device code waits on its own stream (enrollment/addDevice.ts);
    // a sign-up's or a recovery's on its sign-in's event stream (src/enrollment/signInEnrollments.ts).
    if (enrollment.kind === 'add_device') await wake(services, enrollment.account_id, deviceId);
    // The account's other phones hear of a new device by push (as its person does by mail).
    void services.pusher.notifyAccount(enrollment.account_id, 'new_device', { exceptDevice: deviceId });
    // An added device is announced once its account's browser confirms it (enrollment/addDevice.ts).
    if (status === 'active') {
      const account = (await findAccountById(db, enrollment.account_id))!;
      await sendNewDeviceAlert(services, account, { id: deviceId, name: deviceName }, clientIp(ctx));
      if (enrollment.kind === 'signup') await sendEmailVerification(services, account, clientIp(ctx));
    }
    const uid = (enrollment as Enrollment & { interaction_uid?: string | null }).interaction_uid;
    if ((enrollment.kind === 'signup' || enrollment.kind === 'recovery') && uid) {
      await services.bus.publish(interactionTopic(uid), { type: 'enrolled', data: { complete_url: completePath(services.basePath, uid, enrollment.kind) } });
    }
    ctx.status = 201;
    ctx.body = { device_id: deviceId, sub: enrollment.account_id, status, device_name: deviceName };
  });
}
