// A tiny HTTP stub on 127.0.0.1 (random port) that records what it was sent and answers with a
// handler's {status, body, headers}. Stands in for the Jira/Assets and JumpCloud emulators.
import { createServer } from 'node:http';

export async function startStub(handler) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const request = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    requests.push(request);
    const { status = 200, body = {}, headers = {} } = (await handler(request)) ?? {};
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  server.maxConnections = 64;
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((done) => server.close(done)),
  };
}
