// SPDX-License-Identifier: MIT
// test-labels: integration worker
// Pusher protocol 7 on the wire, with a bare WebSocket: handshake errors and their close codes,
// ping/pong, the server's ping after the activity timeout, and malformed input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startShoal, APP } from '../clients/shoal_server.mjs';

let srv;
before(async () => { srv = await startShoal({ mode: 'worker', args: ['--activity-timeout', '1'] }); });
after(async () => { await srv.stop(); });

// A socket whose messages queue up as parsed JSON; next() takes the oldest.
function open(path) {
    const ws = new WebSocket(`${srv.url}${path}`);
    const queue = [], waiters = [];
    ws.on('message', (m) => {
        const msg = JSON.parse(m.toString());
        if (waiters.length) waiters.shift()(msg); else queue.push(msg);
    });
    const closed = new Promise((r) => ws.on('close', (code) => r(code)));
    const next = () => queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiters.push(r));
    return { ws, next, closed };
}

test('a bad key, a missing and an unsupported protocol close with 4001, 4008 and 4007', async () => {
    for (const [path, code] of [[`/app/nope?protocol=7`, 4001], [`/app/${APP.key}`, 4008],
                                [`/app/${APP.key}?protocol=3`, 4007]]) {
        const c = open(path);
        const err = await c.next();
        assert.equal(err.event, 'pusher:error');
        assert.equal(err.data.code, code);
        assert.equal(await c.closed, code);
    }
});

test('pusher:ping is answered with pusher:pong; junk gets pusher:error and the socket stays', async () => {
    const c = open(`/app/${APP.key}?protocol=7`);
    const hello = await c.next();
    assert.equal(hello.event, 'pusher:connection_established');
    assert.equal(JSON.parse(hello.data).activity_timeout, 1);
    c.ws.send('{"event":"pusher:ping","data":{}}');
    assert.equal((await c.next()).event, 'pusher:pong');
    c.ws.send('{"event":');
    const err = await c.next();
    assert.equal(err.event, 'pusher:error');
    assert.equal(err.data.code, 4300);
    c.ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'x'.repeat(201) } }));
    const sub = await c.next();
    assert.equal(sub.event, 'pusher:subscription_error');
    c.ws.close();
    await c.closed;
});

test('the server pings a client that stays silent past the activity timeout', async () => {
    const c = open(`/app/${APP.key}?protocol=7`);
    await c.next();
    const ping = await c.next();  // nothing sent: within about a second the server asks
    assert.equal(ping.event, 'pusher:ping');
    c.ws.send('{"event":"pusher:pong","data":{}}');
    c.ws.close();
    await c.closed;
});

test('an upgrade outside /app/{key} is refused with 404', async () => {
    const ws = new WebSocket(`${srv.url}/other`);
    const status = await new Promise((r) => ws.on('unexpected-response', (_, res) => r(res.statusCode))
                                           .on('error', () => r(0)));
    assert.equal(status, 404);
});

test('a draining worker tells clients to reconnect (pusher:error 4200) before closing with 1001', async () => {
    const own = await startShoal({ mode: 'worker' });
    try {
        const ws = new WebSocket(`${own.url}/app/${APP.key}?protocol=7`);
        const msgs = [];
        ws.on('message', (m) => msgs.push(JSON.parse(m.toString())));
        const closed = new Promise((r) => ws.on('close', (code) => r(code)));
        await new Promise((r) => ws.once('message', r));
        own.proc.kill('SIGTERM');
        assert.equal(await closed, 1001);
        const err = msgs.find((m) => m.event === 'pusher:error');
        assert.ok(err, JSON.stringify(msgs));
        assert.equal(err.data.code, 4200);
    } finally { await own.stop(); }
});
