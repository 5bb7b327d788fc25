// The core's host interface inside Forge: Jira and Assets through requestJira as the app,
// JumpCloud through Forge's egress-checked fetch, state in Forge KVS.
import { asApp, assumeTrustedRoute, bindInvocationContext, fetch } from '@forge/api';

import { coreHost, joinUrl, jumpcloudAuthHeaders, toCoreResponse } from '../hosts/http.js';
import { kvsStore } from './kvs-store.js';

/**
 * Builds the host for one invocation. `jumpcloud` is `{baseUrl, apiKey, orgId}` (the key read
 * from KVS secrets by the caller); `log(level, message)` receives the core's messages.
 */
export function createForgeHost({ jumpcloud, log = () => {} }) {
  async function request({ service, method, path, headers = {}, body }) {
    if (service === 'jumpcloud') {
      if (!jumpcloud?.apiKey) throw new Error('JumpCloud is not connected: save an API key first');
      const response = await fetch(joinUrl(jumpcloud.baseUrl, path), {
        method,
        headers: { ...headers, ...jumpcloudAuthHeaders(jumpcloud) },
        body: body ?? undefined,
      });
      return toCoreResponse(response);
    }
    if (service === 'jira' || service === 'assets') {
      // Both are Atlassian APIs Forge reaches as the app. Paths come from the core, which
      // builds them from ids and escapes every value.
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
  }
  return bindToInvocation(coreHost({ request, storage: kvsStore, log }));
}

// The wasm core's async tasks share one executor, so a host call can be polled from another
// invocation's callback. Binding each method to the invocation that built the host keeps
// every platform call attributed to its own invocation (Forge's documented remedy for lost
// context in callbacks), so an invocation that has ended can never write through a later one.
function bindToInvocation(host) {
  return Object.fromEntries(Object.entries(host).map(([name, fn]) => [name, bindInvocationContext(fn)]));
}
