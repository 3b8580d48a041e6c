// The clients of the transaction-approval tests (docs/protocol.md §19): a first-party shop that
// may send payment details, and the payments API its access tokens are for.
import { RP_REDIRECT, TEST_CLIENTS } from './scanin.ts';

export const SHOP = 'shop';
export const API = 'https://pay.example.com/';
export const PAYMENT = [{ type: 'payment_initiation', description: 'Pay 120 EUR to ACME', instructedAmount: { currency: 'EUR', amount: '120.00' }, creditorName: 'ACME' }];

export const TRANSACTION_CLIENTS = [
  ...TEST_CLIENTS,
  { client_id: SHOP, client_name: 'ACME Shop', first_party: true, token_endpoint_auth_method: 'none', redirect_uris: [RP_REDIRECT], authorization_details_types: ['payment_initiation'], grant_types: ['authorization_code', 'refresh_token'] },
  { client_id: 'shop-tv', client_name: 'ACME Shop TV', token_endpoint_auth_method: 'none', grant_types: ['urn:ietf:params:oauth:grant-type:device_code'], authorization_details_types: ['payment_initiation'] },
  { client_id: 'payments-api', client_name: 'Payments API', client_secret: 'the-payments-api-secret-is-long-enough-0123', grant_types: ['client_credentials'], resource_server: API, scope: 'payments' },
];

/** The parameters that ask for `details` to be approved, for the API. */
export const asked = (details: unknown = PAYMENT) => ({ authorization_details: JSON.stringify(details), resource: API, scope: 'openid email payments' });
