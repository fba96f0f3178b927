// SPDX-License-Identifier: MIT
// test-labels: integration worker
// Bad input of every kind, thrown at a two-worker server on both protocols and the HTTP API at
// once: afterwards no worker has restarted and a healthy subscriber has lost nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import WebSocket from 'ws';
import { startShoal, APP, sleep, waitFor, shoalStatus } from '../clients/shoal_server.mjs';
import { serverSdk } from '../clients/pusher_clients.mjs';

const deep = (n) => '['.repeat(n) + ']'.repeat(n);
const junk = (n, seed) => {
    const b = Buffer.alloc(n);
    let x = seed;
    for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) & 0x7fffffff; b[i] = x >> 16; }
    return b;
};

const pusherMessages = [
    'not json', '{}', '[]', 'null', '42', '"event"', deep(30000),
    '{"event":"pusher:subscribe"}', '{"event":"pusher:subscribe","data":5}',
    '{"event":"pusher:subscribe","data":{"channel":7}}',
    `{"event":"pusher:subscribe","data":{"channel":"${'x'.repeat(5000)}"}}`,
    '{"event":"pusher:subscribe","data":{"channel":"presence-a","auth":"app-key:00","channel_data":"{"}}',
    '{"event":"pusher:subscribe","data":{"channel":"private-a","auth":5}}',
    '{"event":"pusher:unsubscribe","data":{"channel":"never-subscribed"}}',
    '{"event":"client-x","channel":"news","data":{}}', '{"event":"client-x","data":"no channel"}',
    '{"event":"pusher:signin","data":{"auth":"x","user_data":"{\\"id\\":5}"}}',
    '{"event":"pusher:signin","data":"string"}', '{"event":"pusher:ping","data":[1,2,3]}',
    `{"event":"${'e'.repeat(300)}","data":{}}`, '{"event":"pusher:subscribe","data":{"channel":"\u0000"}}',
];
const phoenixMessages = [
    'not json', '{}', '[]', '[1,2,3]', '[null,null,null,null,null]', deep(30000),
    '[null,"1","phoenix","heartbeat",{}, 5]', '["1","1","room:a","phx_join",[]]',
    '["1","1","room:a","phx_join",{"a":' + deep(2000) + '}]', '[5,6,7,8,9]',
    '["1","1","presence:x","phx_join",{}]', '["1","2","room:b","shout",{}]',
    '["1","3","room:a","phx_leave",{}]', '["1","4","room:a","phx_leave",{}]',
    `["1","5","${'t'.repeat(5000)}","phx_join",{}]`,
];

// Sends each message on one socket (a fresh one whenever the server closed the last), then a
// burst of random binary frames; resolves when the server has answered or closed.
async function pelt(port, path, messages) {
    let ws = null;
    const fresh = () => new Promise((resolve) => {
        ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
        ws.on('error', () => {});
        ws.on('open', () => resolve());
        ws.on('close', () => resolve());
    });
    for (const m of messages) {
        if (!ws || ws.readyState !== WebSocket.OPEN) await fresh();
        if (ws.readyState === WebSocket.OPEN) ws.send(m);
        await sleep(5);
    }
    for (let i = 0; i < 20; i++) {
        if (ws.readyState !== WebSocket.OPEN) await fresh();
        if (ws.readyState === WebSocket.OPEN) ws.send(junk(1 + i * 97, i), { binary: i % 2 === 0 });
    }
    await sleep(100);
    ws.terminate();
}

// Raw bytes on a fresh TCP connection; resolves with what came back before the server closed or
// 1 s passed.
function raw(port, bytes) {
    return new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        let got = '';
        s.on('data', (d) => { got += d; });
        s.on('error', () => {});
        s.on('close', () => resolve(got));
        s.on('connect', () => s.write(bytes));
        setTimeout(() => { s.destroy(); resolve(got); }, 1000);
    });
}

const httpJunk = [
    'GARBAGE\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', `GET /${'a'.repeat(20000)} HTTP/1.1\r\n\r\n`,
    `GET / HTTP/1.1\r\nX: ${'b'.repeat(70000)}\r\n\r\n`,
    'POST /apps/app-id/events HTTP/1.1\r\nContent-Length: 5\r\n\r\n{"a":',
    'POST /apps/app-id/events HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n',
    'POST /apps/app-id/events HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    'GET /app/app-key?protocol=7 HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    'GET /socket/websocket?vsn=1.0.0 HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    junk(4096, 7),
];

// pid/epoch of every slot: a restarted worker changes both.
const workerIdentities = (port) => shoalStatus(port).slots.map((s) => `${s.pid}/${s.epoch}`);

test('hostile input on every protocol restarts no worker and costs a healthy subscriber nothing', async () => {
    const srv = await startShoal({ mode: 'serve', workers: 2 });
    const healthy = new WebSocket(`${srv.url}/app/${APP.key}?protocol=7`);
    const got = [];
    try {
        await new Promise((r) => healthy.on('open', r));
        healthy.on('message', (m) => {
            const msg = JSON.parse(m.toString());
            if (msg.event === 'tick') got.push(JSON.parse(msg.data).n);
        });
        healthy.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'news' } }));
        const sdk = serverSdk(srv.port);
        await sleep(200);
        const before = workerIdentities(srv.port);
        assert.equal(before.length, 2);

        let n = 0;
        const ticker = (async () => {
            for (; n < 20; n++) { await sdk.trigger('news', 'tick', { n }); await sleep(20); }
        })();
        await Promise.all([
            pelt(srv.port, `/app/${APP.key}?protocol=7`, pusherMessages),
            pelt(srv.port, '/socket/websocket?vsn=2.0.0', phoenixMessages),
            ...httpJunk.map((bytes) => raw(srv.port, bytes)),
        ]);
        // The HTTP API refuses bad requests with a status, never by dying.
        const bad = [
            () => sdk.post({ path: '/events', body: { name: 'e', channel: 'bad name!', data: '{}' } }),
            () => sdk.post({ path: '/events', body: { name: 'e', channel: 'news', data: 'x'.repeat(20000) } }),
            () => sdk.post({ path: '/events', body: { name: 'e', channels: Array.from({ length: 101 }, (_, i) => `c${i}`), data: '{}' } }),
            () => sdk.post({ path: '/events', body: { name: 5, channel: 'news', data: {} } }),
            () => sdk.post({ path: '/events', body: [] }),
            () => sdk.post({ path: '/batch_events', body: { batch: 'x' } }),
            () => sdk.get({ path: `/channels/${'x'.repeat(1000)}`, params: {} }),
            () => sdk.get({ path: '/channels', params: { info: 'user_count' } }),
        ];
        for (const [i, call] of bad.entries()) {
            const status = await call().then((r) => r.status, (e) => e.status);
            assert.ok(status >= 400 && status < 500, `request ${i}: status ${status}`);
        }
        await ticker;
        await waitFor(() => got.length === 20, 5000, 'all 20 ticks at the healthy subscriber');
        assert.deepEqual(got, [...Array(20).keys()]);
        assert.deepEqual(workerIdentities(srv.port), before, 'no worker restarted');
    } finally {
        healthy.terminate();
        assert.equal((await srv.stop()).code, 0);
    }
});
