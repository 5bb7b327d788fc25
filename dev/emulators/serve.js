#!/usr/bin/env node
// Runs both emulators until Ctrl-C, for poking at them by hand:
//   node dev/emulators/serve.js [--users 300] [--seed 1] [--jumpcloud-port 8401]
//        [--assets-port 8402] [--api-key KEY] [--email E --api-token T] [--strict]
//        [--latency-ms 80]
// The JumpCloud key defaults to $TRIBUTARY_EMULATOR_API_KEY or "emulator-key"; it is never printed.
import { startEmulators } from './index.js';

const FLAGS = {
  '--users': 'users', '--seed': 'seed', '--jumpcloud-port': 'jcPort', '--assets-port': 'asPort',
  '--api-key': 'apiKey', '--email': 'email', '--api-token': 'apiToken', '--latency-ms': 'latencyMs',
};

const FLAG_OF = Object.fromEntries(Object.entries(FLAGS).map(([flag, name]) => [name, flag]));

function parseArgs(argv) {
  const options = { users: 300, seed: 1, jcPort: 8401, asPort: 8402, latencyMs: 0, strict: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--strict') options.strict = true;
    else if (FLAGS[arg] && i + 1 < argv.length) options[FLAGS[arg]] = argv[++i];
    else throw new Error(`unknown or incomplete argument "${arg}" (see the header of serve.js)`);
  }
  for (const name of ['users', 'seed', 'jcPort', 'asPort', 'latencyMs']) {
    const value = Number(options[name]);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${FLAG_OF[name]} must be a non-negative integer, got "${options[name]}"`);
    options[name] = value;
  }
  return options;
}

try {
  const options = parseArgs(process.argv.slice(2));
  const validate = options.strict ? 'strict' : true;
  const emulators = await startEmulators({
    seed: options.seed,
    users: options.users,
    latencyMs: options.latencyMs,
    apiKey: options.apiKey ?? process.env.TRIBUTARY_EMULATOR_API_KEY ?? 'emulator-key',
    jumpCloud: { port: options.jcPort, validate },
    assets: {
      port: options.asPort,
      validate,
      ...(options.email && options.apiToken ? { auth: { email: options.email, apiToken: options.apiToken } } : {}),
    },
  });
  const { jumpCloud: jc, assets: as, tenant } = emulators;
  console.log(`JumpCloud emulator: ${jc.url}/api (${tenant.users.length} users, ${tenant.systems.length} devices, org ${tenant.orgId})`);
  console.log(`  control: POST ${jc.url}/__control/{rename|promote|leave|hire|hand-over|add-to-group|remove-from-group|update}, GET ${jc.url}/__control/state`);
  console.log(`Assets emulator:    ${as.assetsBase} (workspace ${as.workspaceId})`);
  console.log(`  Jira:             ${as.url}/rest/servicedeskapi/assets/workspace, ${as.url}/rest/api/3/user/search`);
  if (options.latencyMs) console.log(`Every request takes ${options.latencyMs} ms longer (network latency).`);
  console.log('Ctrl-C to stop.');
  const stop = async () => {
    const violations = emulators.violations();
    if (violations.length) console.log(`${violations.length} request(s) did not match the vendor specs.`);
    await emulators.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  console.error(`emulators: ${error.message}`);
  process.exit(1);
}
