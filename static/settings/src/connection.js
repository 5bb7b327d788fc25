// Connection: the JumpCloud API key, org id and region, saved through the resolver.
// The key field is never pre-filled (the server never sends the key back) and is emptied
// after every save; the key is passed to `call` as a string to redact from any error.

import { call } from './api.js';
import { createConfirmDialog } from './confirm-dialog.js';
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
  const lastTested = h('p', { class: 'help last-tested' });
  const confirmDialog = createConfirmDialog();

  const keyField = field('JumpCloud API key', apiKey,
    'Create one in the JumpCloud Admin Portal under your account menu → My API Key. It is stored encrypted and never shown again.');
  keyField.append(keyState);

  const form = h('form', { class: 'form', novalidate: true, onsubmit: onSave },
    keyField,
    field('Organization ID (optional)', orgId, 'Only for multi-tenant (MTP) administrators: the org to read from.'),
    field('Region', region, 'Where your JumpCloud organization is hosted.'),
    h('div', { class: 'actions' }, save, test),
    status.el,
    testResult,
    lastTested,
    confirmDialog.el);

  const el = h('section', { class: 'panel-body' },
    h('h2', { text: 'JumpCloud connection' }),
    h('p', { class: 'lead', text: 'Tributary only reads from JumpCloud (users, groups, devices); it never changes anything there.' }),
    form);

  let hasKey = false;

  function showLastTested(tested) {
    lastTested.textContent = tested
      ? `Last tested ${new Date(tested.at).toLocaleString()}: ${tested.ok ? 'connected' : 'failed'}.`
      : '';
  }

  /** What is typed and not saved yet (the key, or an org id or region that differs). */
  function typedSettings() {
    const typed = { region: region.value, orgId: orgId.value.trim() };
    const key = apiKey.value.trim();
    if (key) typed.apiKey = key;
    return typed;
  }

  /** Tests `typed` (or, with nothing, the stored settings); shows the outcome; answers it. */
  async function runTest(typed) {
    testResult.replaceChildren();
    const result = await call('testConnection', typed ?? {}, { redact: [typed?.apiKey].filter(Boolean) });
    // The server's message is the explanation (a bad key's reason included); the user count
    // is added only when the message does not already give it.
    const message = typeof result?.message === 'string' ? result.message.trim() : '';
    const users = Number.isFinite(result?.totalUsers) && !message.includes(String(result.totalUsers))
      ? `${result.totalUsers} users visible.` : '';
    testResult.className = result?.ok ? 'test-result test-ok' : 'test-result test-fail';
    testResult.setAttribute('role', result?.ok ? 'status' : 'alert');
    testResult.append(
      h('strong', { text: result?.ok ? 'Test passed: ' : 'Test failed: ' }),
      [message, users].filter(Boolean).join(' ') || (result?.ok ? '' : 'JumpCloud gave no reason.'),
      result?.tested === 'typed' ? ' (what is typed above; not saved yet)' : '');
    return result;
  }

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
      showLastTested(connection?.lastTested);
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
      if (key) {
        // A new key is tested before it replaces one that may be working.
        status.set('busy', 'Testing the new key…');
        try {
          const result = await runTest({ ...payload, orgId: org });
          if (!result?.ok) {
            status.clear();
            const saveAnyway = await confirmDialog.ask({
              title: 'Save a key that failed the test?',
              body: `JumpCloud did not accept it: ${result?.message ?? 'no reason given'}. Saving it replaces the stored key, and scheduled runs will use it.`,
              confirmText: 'Save anyway',
            });
            if (!saveAnyway) return;
          }
        } catch (error) {
          status.set('error', error.message);
          return;
        }
      }
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
    // Tests what is typed when it differs from what is stored; else the stored settings.
    const typed = typedSettings();
    const stored = await call('getConnection').catch(() => null);
    const differs = typed.apiKey || typed.region !== (stored?.region ?? 'US') || typed.orgId !== (stored?.orgId ?? '');
    if (!typed.apiKey && !hasKey) {
      status.set('error', 'Enter the JumpCloud API key to test it.');
      return;
    }
    status.set('busy', 'Testing the connection to JumpCloud…');
    try {
      await runTest(differs ? typed : null);
      status.clear();
      if (!differs) showLastTested((await call('getConnection'))?.lastTested);
    } catch (error) {
      status.set('error', error.message);
    }
  }));

  return { el, load };
}
