// Errors the local Forge runtime reports to its caller (the test or the sandbox), as opposed to
// the errors the real @forge/* packages raise inside the app from our platform responses.

/** An invocation that did not complete: it threw, timed out or was refused before it ran. */
export class ForgeInvocationError extends Error {
  /**
   * @param {'FUNCTION_ERR'|'FUNCTION_TIME_OUT'|'PAYLOAD_TOO_LARGE'|'INVALID_INVOCATION'} code
   * @param {string} message
   * @param {{cause?: unknown, invocation?: object}} [details]
   */
  constructor(code, message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ForgeInvocationError';
    this.code = code;
    this.invocation = details.invocation;
  }
}

/** A bad manifest, a bad option or an unknown module/function key given to the runtime. */
export class ForgeRuntimeConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ForgeRuntimeConfigError';
  }
}

/**
 * Raised inside the app when a fetch goes to a host the manifest does not declare. Same name,
 * message and status as @forge/api's ExternalEndpointNotAllowedError, so `isForgePlatformError`
 * and `err.name` checks in the app behave as on Forge (instanceof cannot match: the app may
 * carry its own bundled copy of @forge/api).
 */
export class ExternalEndpointNotAllowedError extends Error {
  constructor(failedUrl) {
    super(
      `URL not included in the external fetch backend permissions: ${failedUrl}. ` +
        'Visit go.atlassian.com/forge-egress for more information.',
    );
    this.name = 'REQUEST_EGRESS_ALLOWLIST_ERR';
    this.status = 403;
    this.stack = undefined;
  }
}
