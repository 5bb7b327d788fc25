// Local Forge runtime: runs the real @forge/api, @forge/kvs, @forge/resolver and @forge/events
// in this process by providing what the Forge platform provides. Import this module before
// anything that imports @forge/api (it installs the platform globals on import).
import { installForgeGlobals } from './globals.js';

installForgeGlobals();

export { createForgeRuntime, ForgeRuntime, PAYLOAD_LIMITS, currentInvocation } from './runtime.js';
export { ForgeInvocationError, ForgeRuntimeConfigError, ExternalEndpointNotAllowedError } from './errors.js';
export { KVS_LIMITS, KvsStore } from './kvs.js';
export { QUEUE_LIMITS } from './queue.js';
export { LIMITS, loadManifest } from './manifest.js';
export { requiredScopes, scopeRefusal } from './scopes.js';
export { EgressPolicy } from './egress.js';
export { bundleForgeApp, RUNTIME_WRAPPER_DIR } from './bundle.js';
