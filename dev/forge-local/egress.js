// External fetch as Forge allows it: only to hosts in permissions.external.fetch.backend, HTTPS
// only, on the documented ports; here each allowed origin is rewritten to a local stand-in
// (e.g. the JumpCloud emulator on 127.0.0.1), because nothing real can be reached.
import { ForgeRuntimeConfigError } from './errors.js';

/** Ports Forge lets functions reach (function-reference/nodejs-runtime). */
const ALLOWED_PORTS = new Set(['', '80', '8080', '443', '8443', '8444', '7990', '8089', '8090', '8085', '8060']);

/** Turns one manifest backend entry into a host matcher. */
function entryMatcher(entry) {
  const text = String(entry).trim();
  if (text === '*') return () => true;
  let host = text;
  if (/^[a-z]+:\/\//i.test(text)) host = new URL(text.replace('://*.', '://wildcard-placeholder.')).host.replace('wildcard-placeholder.', '*.');
  host = host.toLowerCase();
  if (host.startsWith('*.')) {
    const parent = host.slice(1); // ".domain.com": a wildcard does not cover the parent itself
    return (h) => h.endsWith(parent) && h.length > parent.length;
  }
  return (h) => h === host;
}

export class EgressPolicy {
  /**
   * @param {string[]} backend manifest entries
   * @param {Record<string,string>} targets origin ('https://console.jumpcloud.com') -> local base URL
   */
  constructor(backend, targets = {}) {
    this.matchers = backend.map((entry) => ({ entry, test: entryMatcher(entry) }));
    this.targets = new Map();
    for (const [origin, target] of Object.entries(targets)) {
      let from;
      let to;
      try {
        from = new URL(origin);
        to = new URL(target);
      } catch {
        throw new ForgeRuntimeConfigError(`egress map entry ${JSON.stringify(origin)} -> ${JSON.stringify(target)} must map an origin URL to a URL`);
      }
      if (!['127.0.0.1', 'localhost', '[::1]'].includes(to.hostname)) {
        throw new ForgeRuntimeConfigError(`egress target for ${origin} must be on 127.0.0.1, not ${to.host}`);
      }
      this.targets.set(from.origin, to);
    }
  }

  /**
   * Decides where a request goes.
   * @param {URL} url the URL the app asked for
   * @returns {{allowed: false} | {allowed: true, local?: URL}}
   */
  route(url) {
    if (url.protocol !== 'https:' || !ALLOWED_PORTS.has(url.port)) return { allowed: false };
    const host = url.hostname.toLowerCase();
    if (!this.matchers.some((m) => m.test(host))) return { allowed: false };
    const target = this.targets.get(url.origin);
    if (!target) return { allowed: true };
    const base = target.href.replace(/\/$/, '');
    return { allowed: true, local: new URL(`${base}${url.pathname}${url.search}`) };
  }
}
