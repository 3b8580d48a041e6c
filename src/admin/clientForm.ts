// The console's form for an app, read into the fields every way of making one checks
// (oidc/clientFields.ts): redirect URIs one per line, group names separated by commas (names
// have none), roles one per line (clientFields.ts reads them), first party a checkbox ("on"),
// the type "confidential" or "public" (when made).
import { rolesOfLines, type ClientFields, type ClientType } from '../oidc/clientFields.ts';
import { refused } from './adminSession.ts';

const lines = (text: string | undefined) => (text ?? '').split(/\r?\n/);

export function clientFieldsOfForm(form: Record<string, string>): ClientFields {
  return {
    client_name: form.client_name ?? '',
    redirect_uris: lines(form.redirect_uris),
    post_logout_redirect_uris: lines(form.post_logout_redirect_uris),
    allowed_groups: (form.allowed_groups ?? '').split(','),
    roles: rolesOfLines(lines(form.roles)),
    first_party: form.first_party === 'on',
  };
}

export function clientTypeOfForm(form: Record<string, string>): ClientType {
  if (form.type === 'public' || form.type === 'confidential') return form.type;
  throw refused('Choose whether the app is confidential (it keeps a secret: a server) or public (it cannot: a browser or phone app).');
}
