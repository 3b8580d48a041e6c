// What a page or event needs to show one login request's QR code.
import { loginUrl } from '../protocol/urls.ts';
import type { LoginRequest } from '../store/loginRequests.ts';
import { qrSvg } from './qr.ts';

export type QrView = { rid: string; url: string; svg: string; expires_at: number };

export function qrView(issuer: string, request: LoginRequest): QrView {
  const url = loginUrl(issuer, request.rid);
  return { rid: request.rid, url, svg: qrSvg(url), expires_at: request.expires_at };
}
