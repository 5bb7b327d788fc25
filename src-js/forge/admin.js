// Resolvers can be invoked by anyone who can load the page, so each one re-checks that the
// caller is a Jira administrator, as the caller, before doing anything.
import { asUser, route } from '@forge/api';

/** Throws unless the invoking user holds Jira's global ADMINISTER permission. */
export async function requireJiraAdmin(req) {
  if (!req?.context?.accountId) {
    throw new Error('Only Jira administrators can use Tributary (no signed-in user).');
  }
  const response = await asUser().requestJira(route`/rest/api/3/permissions/check`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ globalPermissions: ['ADMINISTER'] }),
  });
  if (!response.ok) {
    throw new Error(`Could not check Jira admin permission (HTTP ${response.status}).`);
  }
  const body = await response.json();
  if (!(body.globalPermissions ?? []).includes('ADMINISTER')) {
    throw new Error('Only Jira administrators can use Tributary.');
  }
}
