// The Forge host's response conversion: the core gets the response's bytes as they came (it
// reads them as UTF-8 itself), header names in lower case, and an empty body as no bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { toCoreResponse } from '../../src-js/hosts/http.js';

test('a response crosses as its bytes, not as decoded text', async () => {
  const text = '{"displayname":"Zoë Ünal 🌊"}';
  const response = new Response(text, { status: 200, headers: { 'Content-Type': 'application/json', 'X-Trace': 'T-1' } });
  const converted = await toCoreResponse(response);
  assert.equal(converted.status, 200);
  assert.ok(converted.body instanceof Uint8Array);
  assert.deepEqual([...converted.body], [...new TextEncoder().encode(text)]);
  assert.equal(converted.headers['x-trace'], 'T-1');
  assert.equal(converted.headers['content-type'], 'application/json');
});

test('a response without a body crosses as no bytes', async () => {
  const converted = await toCoreResponse(new Response(null, { status: 204 }));
  assert.equal(converted.status, 204);
  assert.equal(converted.body.byteLength, 0);
});
