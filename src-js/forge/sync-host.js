// The core's host interface inside Forge: Jira and Assets through requestJira as the app,
// JumpCloud through Forge's egress-checked fetch, state in Forge KVS.
import { asApp, assumeTrustedRoute, fetch } from '@forge/api';
import { kvs } from '@forge/kvs';

import { joinUrl, jumpcloudAuthHeaders, toCoreResponse } from '../hosts/http.js';

/**
 * Builds the host for one invocation. `jumpcloud` is `{baseUrl, apiKey, orgId}` (the key read
 * from KVS secrets by the caller); `log(level, message)` receives the core's messages.
 */
export function createForgeHost({ jumpcloud, log = () => {} }) {
  return {
    async request({ service, method, path, headers = {}, body }) {
      if (service === 'jumpcloud') {
        if (!jumpcloud?.apiKey) throw new Error('JumpCloud is not connected: save an API key first');
        const response = await fetch(joinUrl(jumpcloud.baseUrl, path), {
          method,
          headers: { ...headers, ...jumpcloudAuthHeaders(jumpcloud) },
          body: body ?? undefined,
        });
        return toCoreResponse(response);
      }
      if (service === 'jira') {
        // Paths come from the core, which builds them from ids and escapes every value.
        // Forge does not follow Assets redirects; the core sees the 3xx and decides.
        const response = await asApp().requestJira(assumeTrustedRoute(path), {
          method,
          headers,
          body: body ?? undefined,
          redirect: 'manual',
        });
        return toCoreResponse(response);
      }
      throw new Error(`unknown service '${service}'`);
    },
    async storageGet(key) {
      const value = await kvs.get(key);
      return value === undefined ? null : value;
    },
    storageSet: (key, json) => kvs.set(key, json),
    storageDelete: (key) => kvs.delete(key),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log,
  };
}
