// Connection: the JumpCloud API key, org id and region, saved through the resolver.
// The key field is never pre-filled (the server never sends the key back) and is emptied
// after every save; the key is passed to `call` as a string to redact from any error.
// *Test* tests what is typed; *Save* tests a new key first and asks before storing one that fails.

import Button from '@atlaskit/button/new';
import Select from '@atlaskit/select';
import Textfield from '@atlaskit/textfield';
import { useEffect, useId, useRef, useState } from 'react';

import { call } from './api.js';
import { REGION_LABELS } from './labels.js';
import { StatusMessage, useConfirm, useFlag, useStatus } from './ui.jsx';

/** The Connection panel; `vocabulary` is the core's. */
export function ConnectionPanel({ vocabulary }) {
  const regions = vocabulary.regions.map(({ code, baseUrl }) => ({ value: code, label: `${REGION_LABELS[code] ?? code} (${new URL(baseUrl).host})` }));
  const [apiKey, setApiKey] = useState('');
  const [orgId, setOrgId] = useState('');
  const [region, setRegion] = useState(regions[0].value);
  const [hasKey, setHasKey] = useState(false);
  const [lastTested, setLastTested] = useState(null);
  const [testResult, setTestResult] = useState(null);
  const [busy, setBusy] = useState(null);
  const [status, setStatus] = useStatus();
  const stored = useRef(null);
  const confirm = useConfirm();
  const flag = useFlag();
  const keyInput = useRef(null);
  const ids = { key: useId(), org: useId(), region: useId(), keyHelp: useId(), orgHelp: useId(), regionHelp: useId() };

  async function load() {
    setStatus('busy', 'Loading the connection…');
    try {
      const connection = await call('getConnection');
      stored.current = connection;
      setHasKey(Boolean(connection?.hasApiKey));
      setOrgId(connection?.orgId ?? '');
      setRegion(regions.some((r) => r.value === connection?.region) ? connection.region : regions[0].value);
      setLastTested(connection?.lastTested ?? null);
      setStatus(null);
    } catch (error) {
      setStatus('error', error.message);
    }
  }
  useEffect(() => { load(); }, []);

  /** Tests `typed` (or, with nothing, the stored settings); shows the outcome; answers it. */
  async function runTest(typed) {
    setTestResult(null);
    const result = await call('testConnection', typed ?? {}, { redact: [typed?.apiKey].filter(Boolean) });
    // The server's message is the explanation; the user count only when it does not give it.
    const message = typeof result?.message === 'string' ? result.message.trim() : '';
    const users = Number.isFinite(result?.totalUsers) && !message.includes(String(result.totalUsers))
      ? `${result.totalUsers} users visible.` : '';
    setTestResult({
      ok: Boolean(result?.ok),
      text: [message, users].filter(Boolean).join(' ') || (result?.ok ? '' : 'JumpCloud gave no reason.'),
      typed: result?.tested === 'typed',
    });
    return result;
  }

  async function onSave(event) {
    event.preventDefault();
    const key = apiKey.trim();
    if (!key && !hasKey) {
      setStatus('error', 'Enter the JumpCloud API key: none is stored yet.');
      keyInput.current?.focus();
      return;
    }
    const payload = { region };
    if (key) payload.apiKey = key;
    const org = orgId.trim();
    if (org) payload.orgId = org;
    setBusy('save');
    try {
      if (key) {
        // A new key is tested before it replaces one that may be working.
        setStatus('busy', 'Testing the new key…');
        try {
          const result = await runTest({ ...payload, orgId: org });
          if (!result?.ok) {
            setStatus(null);
            const saveAnyway = await confirm({
              title: 'Save a key that failed the test?',
              body: `JumpCloud did not accept it: ${result?.message ?? 'no reason given'}. Saving it replaces the stored key, and scheduled runs will use it.`,
              confirmText: 'Save anyway',
            });
            if (!saveAnyway) return;
          }
        } catch (error) {
          setStatus('error', error.message);
          return;
        }
      }
      setStatus('busy', 'Saving…');
      try {
        await call('saveConnection', payload, { redact: [key] });
        setHasKey((had) => had || Boolean(key));
        setApiKey('');
        const text = key ? 'Saved. The new API key is stored.' : 'Saved.';
        setStatus('ok', text);
        flag({ kind: 'success', title: 'JumpCloud connection saved' });
      } catch (error) {
        setStatus('error', error.message);
      }
    } finally {
      setBusy(null);
    }
  }

  async function onTest() {
    // Tests what is typed when it differs from what is stored; else the stored settings.
    const typed = { region, orgId: orgId.trim() };
    if (apiKey.trim()) typed.apiKey = apiKey.trim();
    if (!typed.apiKey && !hasKey) {
      setStatus('error', 'Enter the JumpCloud API key to test it.');
      return;
    }
    setBusy('test');
    try {
      const current = await call('getConnection').catch(() => stored.current);
      const differs = typed.apiKey || typed.region !== (current?.region ?? 'US') || typed.orgId !== (current?.orgId ?? '');
      setStatus('busy', 'Testing the connection to JumpCloud…');
      await runTest(differs ? typed : null);
      setStatus(null);
      if (!differs) setLastTested((await call('getConnection'))?.lastTested ?? null);
    } catch (error) {
      setStatus('error', error.message);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="panel-body">
      <h2>JumpCloud connection</h2>
      <p className="lead">Tributary only reads from JumpCloud (users, groups, devices); it never changes anything there.</p>
      <form className="form" noValidate onSubmit={onSave}>
        <div className="field">
          <label htmlFor={ids.key}>JumpCloud API key</label>
          <Textfield id={ids.key} ref={keyInput} type="password" name="jumpcloud-api-key" autoComplete="new-password"
            spellCheck={false} value={apiKey} onChange={(e) => setApiKey(e.target.value)} aria-describedby={ids.keyHelp}
            placeholder={hasKey ? '•••••••• (stored; leave empty to keep)' : 'Paste your API key'} />
          <p className="help" id={ids.keyHelp}>Create one in the JumpCloud Admin Portal under your account menu → My API Key. It is stored encrypted and never shown again.</p>
          <p className="help key-state" aria-live="polite">
            {hasKey ? 'A key is stored. Leave the field empty to keep it, or type a new one to replace it.' : 'No key is stored yet.'}
          </p>
        </div>
        <div className="field">
          <label htmlFor={ids.org}>Organization ID (optional)</label>
          <Textfield id={ids.org} name="org-id" autoComplete="off" spellCheck={false} value={orgId}
            onChange={(e) => setOrgId(e.target.value)} aria-describedby={ids.orgHelp} />
          <p className="help" id={ids.orgHelp}>Only for multi-tenant (MTP) administrators: the org to read from.</p>
        </div>
        <div className="field">
          <label htmlFor={ids.region}>Region</label>
          <Select classNamePrefix="tb-select" inputId={ids.region} options={regions} value={regions.find((r) => r.value === region)}
            onChange={(option) => setRegion(option?.value ?? regions[0].value)} isSearchable={false}
            aria-describedby={ids.regionHelp} />
          <p className="help" id={ids.regionHelp}>Where your JumpCloud organization is hosted.</p>
        </div>
        <div className="actions">
          <Button type="submit" appearance="primary" isLoading={busy === 'save'} isDisabled={busy === 'test'}>Save</Button>
          <Button onClick={onTest} isLoading={busy === 'test'} isDisabled={busy === 'save'}>Test connection</Button>
        </div>
        <StatusMessage status={status} />
        {testResult && (
          <div className={`test-result ${testResult.ok ? 'test-ok' : 'test-fail'}`} role={testResult.ok ? 'status' : 'alert'}>
            <strong>{testResult.ok ? 'Test passed: ' : 'Test failed: '}</strong>
            {testResult.text}
            {testResult.typed ? ' (what is typed above; not saved yet)' : ''}
          </div>
        )}
        <p className="help last-tested">
          {lastTested ? `Last tested ${new Date(lastTested.at).toLocaleString()}: ${lastTested.ok ? 'connected' : 'failed'}.` : ''}
        </p>
      </form>
    </section>
  );
}
