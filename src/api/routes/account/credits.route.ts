import { SECURITY, TAGS, type ApiApp, type RouteDeps } from '../../api-types.ts';
import { principalOf } from '../../plugins/auth.plugin.ts';
import { CreditsQuery, CreditsResponse } from '../../schemas/account.schema.ts';
import { Detail } from '../../schemas/common.schema.ts';

const schema = {
  summary: 'Credits (Veil extension)',
  description:
    "The calling key's credit balance, what is available for approvals, and its latest " +
    'ledger entries (grants and charges, newest first).',
  tags: TAGS.account,
  security: SECURITY,
  querystring: CreditsQuery,
  response: { 200: CreditsResponse, 401: Detail },
};

export function creditsRoute(app: ApiApp, { account }: RouteDeps): void {
  app.get('/credits', { schema }, async (request) =>
    account.credits(principalOf(request), { limit: request.query.limit ?? 20 }),
  );
}
