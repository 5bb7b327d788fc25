// Entry point for the emulators: the two servers, the tenant generator, fault plans, the spec
// validator, and startEmulators() which wires a JumpCloud tenant to matching Jira accounts.
import { startAssetsEmulator } from './assets.js';
import { startJumpCloudEmulator } from './jumpcloud.js';
import { createTenant, jiraUsersFromTenant } from './tenant.js';

export { startAssetsEmulator, installDemoSchema, DOCUMENTED_QUOTAS } from './assets.js';
export { startJumpCloudEmulator } from './jumpcloud.js';
export { createTenant, jiraUsersFromTenant, runControl, Tenant } from './tenant.js';
export { FaultPlan } from './faults.js';
export { createValidator, checkSchema, loadSpec } from './spec.js';
export { parseAql, AqlError } from './aql.js';

/**
 * Starts both emulators on one deterministic tenant; the Jira accounts the Assets emulator
 * knows are the tenant's (non-staged) users, some with hidden emails.
 *
 * @param {object} options
 * @param {number} [options.seed=1]
 * @param {number} [options.users=300]
 * @param {string} options.apiKey JumpCloud API key the emulator accepts.
 * @param {object} [options.jumpCloud] extra startJumpCloudEmulator options (port, orgId, faults, ...).
 * @param {object} [options.assets] extra startAssetsEmulator options (port, auth, quotas, faults, ...).
 * @param {number} [options.latencyMs=0] network latency for both (each side's own option wins).
 * @returns {Promise<{jumpCloud, assets, tenant, violations: () => object[], close: () => Promise<void>}>}
 */
export async function startEmulators({ seed = 1, users = 300, apiKey, jumpCloud = {}, assets = {}, latencyMs = 0 } = {}) {
  const tenant = createTenant({ seed, users, orgId: jumpCloud.orgId });
  const jc = await startJumpCloudEmulator({ apiKey, latencyMs, ...jumpCloud, tenant });
  let as;
  try {
    as = await startAssetsEmulator({ latencyMs, ...assets, jira: { users: jiraUsersFromTenant(tenant), ...(assets.jira ?? {}) } });
  } catch (error) {
    await jc.close();
    throw error;
  }
  return {
    jumpCloud: jc,
    assets: as,
    tenant,
    /** Every spec violation either emulator recorded, tagged with the API. */
    violations: () => [
      ...jc.violations.map((v) => ({ api: 'jumpcloud', ...v })),
      ...as.violations.map((v) => ({ api: 'assets', ...v })),
    ],
    close: async () => {
      await Promise.all([jc.close(), as.close()]);
    },
  };
}
