// Tributary settings page (Forge Custom UI): Connection, Imports, Run history, on React and
// Atlaskit, in Jira's light or dark theme. Bundled by scripts/build-settings.mjs into ../dist/.

import './app.css';

import SectionMessage from '@atlaskit/section-message';
import Spinner from '@atlaskit/spinner';
import Tabs, { Tab, TabList, TabPanel } from '@atlaskit/tabs';
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';

import { call, enableTheme, hasBridge } from './api.js';
import { ConnectionPanel } from './connection.jsx';
import { loadCore } from './core.js';
import { ImportsPanel } from './imports.jsx';
import { RunsPanel } from './runs.jsx';
import { PageServices } from './ui.jsx';

const TABS = ['connection', 'imports', 'runs'];
const OUTSIDE_JIRA = 'This page has no connection to Jira. Open it from Jira: Apps → Manage your apps → Tributary → Configure.';

function App({ core }) {
  const initial = new URLSearchParams(location.search).get('tab');
  const [selected, setSelected] = useState(Math.max(0, TABS.indexOf(initial)));
  const [runsRequest, setRunsRequest] = useState(null);
  useEffect(() => {
    showVersions(document.getElementById('footer-version'), core);
  }, [core]);
  const tab = TABS[selected];
  return (
    <PageServices>
      {core.mode !== 'wasm' && (
        <div className="notice" role="status">
          <SectionMessage appearance="information"><p>{`Note: ${core.fallbackReason}.`}</p></SectionMessage>
        </div>
      )}
      <Tabs id="settings-tabs" selected={selected} onChange={setSelected}>
        <TabList>
          <Tab>Connection</Tab>
          <Tab>Imports</Tab>
          <Tab>Run history</Tab>
        </TabList>
        <TabPanel>
          <div className="panel">
            <ConnectionPanel vocabulary={core.vocabulary} />
          </div>
        </TabPanel>
        <TabPanel>
          <div className="panel">
            <ImportsPanel core={core} active={tab === 'imports'}
              onRunStarted={(request) => {
                setRunsRequest({ ...request, at: Date.now() });
                setSelected(TABS.indexOf('runs'));
              }}
              onConnect={() => setSelected(TABS.indexOf('connection'))} />
          </div>
        </TabPanel>
        <TabPanel>
          <div className="panel">
            <RunsPanel active={tab === 'runs'} request={runsRequest} />
          </div>
        </TabPanel>
      </Tabs>
    </PageServices>
  );
}

/** The footer: the version in plain words; which core runs where on hover. */
async function showVersions(footer, core) {
  if (!footer) return;
  const page = core.version();
  let server = null;
  try {
    server = (await call('getVersion'))?.core ?? null;
  } catch {
    // The footer is informational; the panels report connection problems themselves.
  }
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

function Failure({ text }) {
  return (
    <div className="status-message" role="alert">
      <SectionMessage appearance="error"><p>{text}</p></SectionMessage>
    </div>
  );
}

async function main() {
  const root = createRoot(document.getElementById('app'));
  if (!hasBridge()) {
    root.render(<Failure text={OUTSIDE_JIRA} />);
    return;
  }
  root.render(<div className="status-message status-busy" role="status"><Spinner size="medium" label="Loading" /> Loading…</div>);
  // Jira's light or dark theme, followed as the admin changes it.
  enableTheme();
  try {
    const core = await loadCore();
    root.render(<App core={core} />);
  } catch (error) {
    // Last resort: say something rather than leave a blank page. No payloads are logged.
    root.render(<Failure text={`The settings page failed to start: ${error?.message || error}. Reload the page to try again.`} />);
  }
}

main();
