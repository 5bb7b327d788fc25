// The standalone host: credentials, storage, clock and logs for the CLI, configured from the
// environment (see README); the core makes the HTTP calls itself. Jira and Assets use Basic
// auth with an API token, as Atlassian documents for scripts; JumpCloud uses the API key header.
import { join } from 'node:path';

import { jumpcloudBaseUrl } from '../core/index.js';
import { coreHost } from './http.js';

/** A configuration problem in the environment: names the variable. */
export class EnvError extends Error {}

/**
 * Reads the CLI's connection settings from `env`. Throws EnvError naming the first missing or
 * malformed variable. `needs` selects which services must be configured.
 */
export function readEnvConfig(env, { jumpcloud = true, jira = true } = {}) {
  const config = {};
  if (jumpcloud) {
    let regionUrl;
    try {
      regionUrl = jumpcloudBaseUrl(env.JUMPCLOUD_REGION ?? 'US');
    } catch (error) {
      throw new EnvError(`JUMPCLOUD_REGION: ${error.message}`);
    }
    if (!env.JUMPCLOUD_API_KEY) throw new EnvError('JUMPCLOUD_API_KEY is not set (the JumpCloud API key)');
    config.jumpcloud = {
      baseUrl: env.JUMPCLOUD_BASE_URL || regionUrl,
      apiKey: env.JUMPCLOUD_API_KEY,
      orgId: env.JUMPCLOUD_ORG_ID || undefined,
    };
  }
  if (jira) {
    const site = env.JIRA_SITE?.trim();
    const jiraBase = env.JIRA_BASE_URL || (site ? (/^https?:\/\//.test(site) ? site : `https://${site}`) : undefined);
    if (!jiraBase) throw new EnvError('JIRA_SITE is not set (e.g. your-site.atlassian.net), nor JIRA_BASE_URL');
    if (!env.JIRA_EMAIL) throw new EnvError('JIRA_EMAIL is not set (the Atlassian account that owns the API token)');
    if (!env.JIRA_API_TOKEN) throw new EnvError('JIRA_API_TOKEN is not set (an Atlassian API token)');
    config.jira = {
      baseUrl: jiraBase,
      assetsBaseUrl: env.ASSETS_BASE_URL || assetsBaseFor(jiraBase),
      authorization: `Basic ${Buffer.from(`${env.JIRA_EMAIL}:${env.JIRA_API_TOKEN}`).toString('base64')}`,
    };
  }
  return config;
}

/**
 * Where Assets answers when ASSETS_BASE_URL is not set: Atlassian's API gateway for a cloud site
 * (`*.atlassian.net`); any other Jira base URL is an emulator, which serves Assets itself.
 */
function assetsBaseFor(jiraBase) {
  let host;
  try {
    host = new URL(jiraBase).hostname;
  } catch {
    throw new EnvError(`JIRA_SITE / JIRA_BASE_URL is not a URL or host name: '${jiraBase}'`);
  }
  return host === 'atlassian.net' || host.endsWith('.atlassian.net') ? 'https://api.atlassian.com' : jiraBase;
}

/**
 * The core's host interface for the CLI: credentials, storage, clock and logs. The core sends
 * its requests itself (gloo-net over Node's global fetch) with `config`, as read by
 * readEnvConfig; `log(level, message)` receives the core's messages, which never contain
 * credentials.
 */
export function createNodeHost({ config, storage, log = () => {} }) {
  return coreHost({ credentials: config, storage, log });
}

/** Where the CLI keeps run records, state and leases: `$TRIBUTARY_STATE_DIR` or `.tributary/`. */
export function defaultStateDir(env) {
  return join(env.TRIBUTARY_STATE_DIR || '.tributary', 'store');
}
