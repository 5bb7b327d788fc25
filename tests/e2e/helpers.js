// Shared pieces of the end-to-end tests: counting what the app wrote to the Assets emulator,
// and the CLI's environment for the emulators.

/** Writes the app sent to Assets since `from` (an index into the emulator's request log). */
export function assetsWrites(assets, from = 0) {
  const writes = { create: 0, update: 0, delete: 0 };
  for (const request of assets.requests.slice(from)) {
    if (request.method === 'POST' && /\/object\/create$/.test(request.path)) writes.create += 1;
    else if (request.method === 'PUT' && /\/object\/\d+$/.test(request.path)) writes.update += 1;
    else if (request.method === 'DELETE' && /\/object\/\d+$/.test(request.path)) writes.delete += 1;
  }
  return writes;
}

/** The objects of one type in the emulator's state, by the value of their key attribute. */
export function objectsByKey(assets, typeName, keyAttribute = 'JumpCloud ID') {
  const ws = assets.state;
  const type = [...ws.objectTypes.values()].find((t) => t.name === typeName);
  const keyAttr = [...ws.attributes.values()].find((a) => a.objectTypeId === type.id && a.name === keyAttribute);
  const map = new Map();
  for (const object of ws.objects.values()) {
    if (object.objectTypeId !== type.id) continue;
    const key = object.values.get(keyAttr.id)?.[0];
    if (key !== undefined) map.set(key, object);
  }
  return map;
}

/** The stored values of `attributeName` on an emulator object. */
export function valuesOf(assets, object, attributeName) {
  const attribute = [...assets.state.attributes.values()]
    .find((a) => a.objectTypeId === object.objectTypeId && a.name === attributeName);
  return object.values.get(attribute.id) ?? [];
}

/** The CLI's environment with every API pointed at its emulator; `extra` adds or overrides. */
export function emulatorEnv(emulators, { apiKey, email, apiToken }, extra = {}) {
  return {
    JUMPCLOUD_API_KEY: apiKey,
    JUMPCLOUD_BASE_URL: emulators.jumpCloud.url,
    JIRA_SITE: 'tributary-test.atlassian.net',
    JIRA_BASE_URL: emulators.assets.url,
    ASSETS_BASE_URL: emulators.assets.url,
    JIRA_EMAIL: email,
    JIRA_API_TOKEN: apiToken,
    ...extra,
  };
}
