// Tributary settings page (Forge Custom UI): Connection, Imports, Run history.
// Entry point bundled by scripts/build-settings.mjs into ../dist/app.js.

import { call, enableTheme, hasBridge } from './api.js';
import { createConnectionPanel } from './connection.js';
import { loadCore } from './core.js';
import { h } from './dom.js';
import { createImportsPanel } from './imports.js';
import { createRunsPanel } from './runs.js';

const TABS = [
  ['connection', 'Connection'],
  ['imports', 'Imports'],
  ['runs', 'Run history'],
];

async function main() {
  const root = document.getElementById('app');
  const footer = document.getElementById('footer-version');
  if (!hasBridge()) {
    root.replaceChildren(h('div', { class: 'status status-error', role: 'alert',
      text: 'This page has no connection to Jira. Open it from Jira: Apps → Manage your apps → Tributary → Configure.' }));
    return;
  }

  // Jira's light or dark theme, followed as the admin changes it.
  enableTheme();
  const core = await loadCore();
  const runs = createRunsPanel();
  const panels = {
    connection: createConnectionPanel({ vocabulary: core.vocabulary }),
    imports: createImportsPanel({
      core,
      onRunStarted: (importId, runId) => selectTab('runs', { importId, startedRunId: runId }),
      onConnect: () => {
        selectTab('connection');
        tabs.connection.focus();
      },
    }),
    runs,
  };

  const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Settings sections' });
  const tabs = {};
  const panelEls = {};
  for (const [key, label] of TABS) {
    const tab = h('button', {
      type: 'button', role: 'tab', id: `tab-${key}`, class: 'tab', text: label,
      'aria-controls': `panel-${key}`, 'aria-selected': 'false', tabindex: '-1',
      onclick: () => selectTab(key),
    });
    tabs[key] = tab;
    tablist.append(tab);
    panelEls[key] = h('div', { role: 'tabpanel', id: `panel-${key}`, class: 'panel', 'aria-labelledby': tab.id, hidden: true },
      panels[key].el);
  }
  // Arrow keys move between tabs, as in every tab widget (WAI-ARIA practices).
  tablist.addEventListener('keydown', (event) => {
    const keys = TABS.map(([k]) => k);
    const index = keys.indexOf(event.target.id.replace('tab-', ''));
    let next = null;
    if (event.key === 'ArrowRight') next = keys[(index + 1) % keys.length];
    else if (event.key === 'ArrowLeft') next = keys[(index - 1 + keys.length) % keys.length];
    else if (event.key === 'Home') next = keys[0];
    else if (event.key === 'End') next = keys[keys.length - 1];
    if (next) {
      event.preventDefault();
      selectTab(next);
      tabs[next].focus();
    }
  });

  const notice = core.mode === 'wasm' ? null
    : h('div', { class: 'status status-info', role: 'status', text: `Note: ${core.fallbackReason}.` });
  root.replaceChildren(notice ?? '', tablist, ...Object.values(panelEls));

  const loaded = new Set();
  function selectTab(key, { importId, startedRunId } = {}) {
    for (const [k] of TABS) {
      const selected = k === key;
      tabs[k].setAttribute('aria-selected', String(selected));
      tabs[k].tabIndex = selected ? 0 : -1;
      panelEls[k].hidden = !selected;
    }
    if (key === 'runs') runs.show(importId, { startedRunId });
    else {
      runs.hide();
      if (!loaded.has(key)) {
        loaded.add(key);
        panels[key].load();
      } else panels[key].refresh?.();
    }
  }

  const initial = new URLSearchParams(location.search).get('tab');
  selectTab(TABS.some(([k]) => k === initial) ? initial : 'connection');
  showVersions(footer, core);
}

async function showVersions(footer, core) {
  const page = core.version();
  let server = null;
  try {
    server = (await call('getVersion'))?.core ?? null;
  } catch {
    // The footer is informational; the panels report connection problems themselves.
  }
  // Plain words for admins; the details (which core runs where) on hover.
  const version = page ?? server;
  footer.textContent = version ? `Tributary ${version}` : '';
  const details = [];
  if (page) details.push(`checks in this page: core ${page}${core.mode === 'wasm' ? ' (WebAssembly)' : ''}`);
  if (server) details.push(`runs: core ${server}`);
  footer.title = details.join('; ');
  if (page && server && page !== server) {
    footer.append(' — this page is older than the app; reload the page to get the new version.');
  }
  footer.dataset.coreVersion = page ?? server ?? '';
}

main().catch((error) => {
  // Last resort: say something rather than leave a blank page. No payloads are logged.
  const root = document.getElementById('app');
  root?.replaceChildren(h('div', { class: 'status status-error', role: 'alert',
    text: `The settings page failed to start: ${error?.message || error}. Reload the page to try again.` }));
});
