// Serves the settings page (static/settings) on localhost the way Jira would frame it: the page
// runs unchanged, and a small script defines the Custom UI bridge that @forge/bridge talks to,
// forwarding `invoke` to the local Forge runtime's resolver.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

import { readBody } from '../emulators/http.js';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};
const MAX_BODY_BYTES = 512 * 1024; // Forge's front-end invoke request limit is 500 KB

// Runs in the page before its own scripts: what Jira's host frame provides to Custom UI.
const BRIDGE_SCRIPT = `
globalThis.__bridge = {
  async callBridge(type, payload) {
    if (type === 'invoke') {
      const response = await fetch('/__bridge/invoke', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ functionKey: payload.functionKey, payload: payload.payload ?? {} }),
      });
      const answer = await response.json();
      if (!response.ok) throw new Error(answer.error || ('invoke failed: HTTP ' + response.status));
      return answer.result;
    }
    if (type === 'getContext') return (await fetch('/__bridge/context')).json();
    if (type === 'enableTheming') {
      // As Jira does: the page's <html> gets the site's theme (here: ?theme=dark or light).
      const mode = new URLSearchParams(location.search).get('theme') === 'dark' ? 'dark' : 'light';
      document.documentElement.setAttribute('data-color-mode', mode);
      document.documentElement.setAttribute('data-theme', 'light:light dark:dark');
      return undefined;
    }
    throw new Error('The local sandbox does not provide the bridge call "' + type + '".');
  },
};
`;

function send(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

/**
 * Starts the page server. `invoke(functionKey, payload)` runs a resolver; `context` is what
 * `view.getContext()` returns. Resolves to `{url, close()}`.
 */
export async function startSettingsServer({ root, port = 0, host = '127.0.0.1', invoke, context = {} }) {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://localhost');
      if (req.method === 'POST' && url.pathname === '/__bridge/invoke') {
        const { functionKey, payload } = JSON.parse(await readBody(req, MAX_BODY_BYTES));
        try {
          send(res, 200, 'application/json', JSON.stringify({ result: await invoke(functionKey, payload) }));
        } catch (error) {
          // Worded as Jira's bridge words a failed resolver, with the app's own message.
          const message = error.cause?.message ?? error.message;
          send(res, 500, 'application/json', JSON.stringify({ error: `There was an error invoking the function - ${message}` }));
        }
        return;
      }
      if (req.method === 'GET' && url.pathname === '/__bridge/context') {
        send(res, 200, 'application/json', JSON.stringify(context));
        return;
      }
      if (req.method === 'GET' && url.pathname === '/__bridge/bridge.js') {
        send(res, 200, TYPES['.js'], BRIDGE_SCRIPT);
        return;
      }
      if (req.method !== 'GET') {
        send(res, 405, 'text/plain', 'method not allowed');
        return;
      }
      const relative = normalize(decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname));
      const file = join(root, relative);
      if (!file.startsWith(root + sep)) {
        send(res, 403, 'text/plain', 'forbidden');
        return;
      }
      let body = await readFile(file);
      if (extname(file) === '.html') {
        // The bridge must exist before @forge/bridge loads: first thing in <head>.
        body = body.toString('utf8').replace(/<head>/i, '<head><script src="/__bridge/bridge.js"></script>');
      }
      send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', body);
    } catch (error) {
      send(res, error.code === 'ENOENT' ? 404 : 500, 'text/plain', error.code === 'ENOENT' ? 'not found' : error.message);
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    url: `http://${host}:${address.port}/`,
    port: address.port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
