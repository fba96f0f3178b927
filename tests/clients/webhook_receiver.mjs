// SPDX-License-Identifier: MIT
// A real HTTP webhook receiver (Node http on a loopback port), as an app backend would run one:
// every request is checked with the official pusher SDK's pusher.webhook(request).isValid() for
// the app whose X-Pusher-Key it carries, and kept with its parsed events. `respond(i, req)`
// chooses the answer to the i-th request: a status, or 'hang' to never answer. `apps` is a list
// of {id, key, secret}, or a function returning it (read at each request: a test that rotates a
// secret changes what the receiver checks with).
import http from 'node:http';
import PusherServer from 'pusher';

export async function startReceiver({ apps, respond = () => 200 }) {
    const requests = [];
    const hanging = [];
    const waiters = [];
    const appList = typeof apps === 'function' ? apps : () => apps;
    const sdkFor = (key) => {
        const a = appList().find((x) => x.key === key);
        return a ? new PusherServer({ appId: a.id, key: a.key, secret: a.secret }) : null;
    };
    const server = http.createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (d) => { body += d; });
        req.on('end', () => {
            const key = req.headers['x-pusher-key'];
            const sdk = sdkFor(key);
            const hook = sdk?.webhook({ headers: req.headers, rawBody: body });
            const valid = !!hook && hook.isValid();
            const r = {
                index: requests.length, path: req.url, method: req.method, key, valid,
                contentType: req.headers['content-type'], body,
                time_ms: valid ? hook.getData().time_ms : null,
                events: valid ? hook.getEvents() : [], status: null,
            };
            const answer = respond(r.index, r);
            r.status = answer;
            requests.push(r);
            for (const w of waiters.splice(0)) w();
            if (answer === 'hang') { hanging.push(res); return; }
            res.writeHead(answer, { 'Content-Type': 'text/plain' });
            res.end('ok');
        });
    });
    server.keepAliveTimeout = 60000;
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address();
    const delivered = () => requests.filter((r) => r.status >= 200 && r.status < 300);
    return {
        url: (path = '/hooks') => `http://127.0.0.1:${port}${path}`,
        requests,
        // Events of the requests answered 2xx (what the app processed), optionally of one path.
        events: (path = null) => delivered().filter((r) => path === null || r.path === path)
            .flatMap((r) => r.events),
        // Resolves once pred() holds, re-checked on every request; rejects after timeoutMs.
        async until(pred, timeoutMs = 15000, what = 'webhooks') {
            const deadline = Date.now() + timeoutMs;
            while (!pred()) {
                const left = deadline - Date.now();
                if (left <= 0) {
                    throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(
                        requests.map((r) => ({ path: r.path, status: r.status, events: r.events })))}`);
                }
                await new Promise((resolve) => {
                    const t = setTimeout(resolve, Math.min(left, 1000));
                    waiters.push(() => { clearTimeout(t); resolve(); });
                });
            }
        },
        async close() {
            for (const res of hanging) res.destroy();
            server.closeAllConnections?.();
            await new Promise((r) => server.close(r));
        },
    };
}

// The events of `list` named `name` (and on `channel`, when given).
export const named = (list, name, channel = null) =>
    list.filter((e) => e.name === name && (channel === null || e.channel === channel));
