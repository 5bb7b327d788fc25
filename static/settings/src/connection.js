// Connection: the JumpCloud API key, org id and region, saved through the resolver.
// The key field is never pre-filled (the server never sends the key back) and is emptied
// after every save; the key is passed to `call` as a string to redact from any error.

import { call } from './api.js';
import { field, h, statusLine, whileBusy } from './dom.js';
import { REGION_LABELS } from './labels.js';

/** The Connection panel; `vocabulary` is the core's. `load()` fetches the stored settings. */
export function createConnectionPanel({ vocabulary }) {
  const regions = vocabulary.regions.map(({ code, baseUrl }) => [code, `${REGION_LABELS[code] ?? code} (${new URL(baseUrl).host})`]);
  const apiKey = h('input', {
    type: 'password',
    name: 'jumpcloud-api-key',
    autocomplete: 'new-password',
    spellcheck: false,
    class: 'input',
  });
  const keyState = h('p', { class: 'help key-state', 'aria-live': 'polite' });
  const orgId = h('input', { type: 'text', name: 'org-id', autocomplete: 'off', spellcheck: false, class: 'input' });
  const region = h('select', { name: 'region', class: 'input' },
    regions.map(([value, text]) => h('option', { value, text })));
  const save = h('button', { type: 'submit', class: 'button button-primary', text: 'Save' });
  const test = h('button', { type: 'button', class: 'button', text: 'Test connection' });
  const status = statusLine();
  const testResult = h('div', { class: 'test-result', 'aria-live': 'polite' });

  const keyField = field('JumpCloud API key', apiKey,
    'Create one in the JumpCloud Admin Portal under your account menu → My API Key. It is stored encrypted and never shown again.');
  keyField.append(keyState);

  const form = h('form', { class: 'form', novalidate: true, onsubmit: onSave },
    keyField,
    field('Organization ID (optional)', orgId, 'Only for multi-tenant (MTP) administrators: the org to read from.'),
    field('Region', region, 'Where your JumpCloud organization is hosted.'),
    h('div', { class: 'actions' }, save, test),
    status.el,
    testResult);

  const el = h('section', { class: 'panel-body' },
    h('h2', { text: 'JumpCloud connection' }),
    h('p', { class: 'lead', text: 'Tributary only reads from JumpCloud (users, groups, devices); it never changes anything there.' }),
    form);

  let hasKey = false;

  function showKeyState() {
    keyState.textContent = hasKey
      ? 'A key is stored. Leave the field empty to keep it, or type a new one to replace it.'
      : 'No key is stored yet.';
    apiKey.placeholder = hasKey ? '•••••••• (stored; leave empty to keep)' : 'Paste your API key';
  }

  async function load() {
    status.set('busy', 'Loading the connection…');
    try {
      const connection = await call('getConnection');
      hasKey = Boolean(connection?.hasApiKey);
      orgId.value = connection?.orgId ?? '';
      region.value = regions.some(([r]) => r === connection?.region) ? connection.region : regions[0][0];
      showKeyState();
      status.clear();
    } catch (error) {
      status.set('error', error.message);
    }
  }

  async function onSave(event) {
    event.preventDefault();
    const key = apiKey.value.trim();
    if (!key && !hasKey) {
      status.set('error', 'Enter the JumpCloud API key: none is stored yet.');
      apiKey.focus();
      return;
    }
    const payload = { region: region.value };
    if (key) payload.apiKey = key;
    const org = orgId.value.trim();
    if (org) payload.orgId = org;
    await whileBusy(save, async () => {
      status.set('busy', 'Saving…');
      try {
        await call('saveConnection', payload, { redact: [key] });
        hasKey = hasKey || Boolean(key);
        apiKey.value = '';
        showKeyState();
        status.set('ok', key ? 'Saved. The new API key is stored.' : 'Saved.');
      } catch (error) {
        status.set('error', error.message);
      }
    });
  }

  test.addEventListener('click', () => whileBusy(test, async () => {
    testResult.replaceChildren();
    if (apiKey.value.trim()) {
      status.set('info', 'Save the new key first: the test uses the stored connection.');
      return;
    }
    status.set('busy', 'Testing the connection to JumpCloud…');
    try {
      const result = await call('testConnection');
      status.clear();
      // The server's message is the explanation (a bad key's reason included); the user count
      // is added only when the message does not already give it.
      const message = typeof result?.message === 'string' ? result.message.trim() : '';
      const users = Number.isFinite(result?.totalUsers) && !message.includes(String(result.totalUsers))
        ? `${result.totalUsers} users visible.` : '';
      testResult.className = result?.ok ? 'test-result test-ok' : 'test-result test-fail';
      testResult.setAttribute('role', result?.ok ? 'status' : 'alert');
      testResult.append(
        h('strong', { text: result?.ok ? 'Test passed: ' : 'Test failed: ' }),
        [message, users].filter(Boolean).join(' ') || (result?.ok ? '' : 'JumpCloud gave no reason.'));
    } catch (error) {
      status.set('error', error.message);
    }
  }));

  return { el, load };
}
