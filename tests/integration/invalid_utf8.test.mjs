// SPDX-License-Identifier: MIT
// test-labels: integration worker
// test-timeout: 60
// Bytes that are not UTF-8 never reach a text frame: the HTTP API refuses them with 400 (raw
// bytes in data, name or channel; an escaped lone surrogate), and a ws subscriber, which would
// fail its connection on an invalid text frame (1007), stays connected and keeps receiving.
// Unsigned requests in bulk are each counted and logged within a budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { createHash, createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { startShoal, APP, waitFor, shoalStatus } from '../clients/shoal_server.mjs';

// A Pusher HTTP API request signed by hand over the body's exact bytes (no SDK re-encodes them).
function signedPost(port, path, body) {
    const params = {
        auth_key: APP.key,
        auth_timestamp: String(Math.floor(Date.now() / 1000)),
        auth_version: '1.0',
        body_md5: createHash('md5').update(body).digest('hex'),
    };
    const query = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
    const full = `/apps/${APP.id}${path}`;
    const sig = createHmac('sha256', APP.secret).update(`POST\n${full}\n${query}`).digest('hex');
    return new Promise((resolve, reject) => {
        const req = http.request({
            host: '127.0.0.1', port, method: 'POST', path: `${full}?${query}&auth_signature=${sig}`,
            headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
        }, (res) => {
            let text = '';
            res.on('data', (d) => { text += d; });
            res.on('end', () => resolve({ status: res.statusCode, body: text }));
        });
        req.on('error', reject);
        req.end(body);
    });
}

const bytes = (...parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
const BAD = Buffer.from([0xff, 0xfe]);

test('the HTTP API refuses invalid UTF-8 with 400; a ws subscriber keeps its connection', async () => {
    const srv = await startShoal({ mode: 'serve', workers: 2 });
    const sub = new WebSocket(`${srv.url}/app/${APP.key}?protocol=7`);
    const got = [];
    let closed = null;
    try {
        sub.on('close', (code) => { closed = code; });
        sub.on('message', (m, isBinary) => {
            assert.equal(isBinary, false);
            const msg = JSON.parse(m.toString());
            if (msg.channel === 'news') got.push(msg);
        });
        await new Promise((r) => sub.on('open', r));
        sub.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'news' } }));
        await waitFor(() => got.some((m) => m.event === 'pusher_internal:subscription_succeeded'),
                      5000, 'subscribed');
        const refused = [
            ['/events', bytes('{"name":"e","channel":"news","data":"', BAD, '"}')],
            ['/events', bytes('{"name":"e', BAD, '","channel":"news","data":"x"}')],
            ['/events', bytes('{"name":"e","channels":["news","n', BAD, '"],"data":"x"}')],
            ['/events', bytes('{"name":"e","channel":"news","data":"\\udc00"}')],
            ['/batch_events', bytes('{"batch":[{"name":"e","channel":"news","data":"ok"},',
                                    '{"name":"e', BAD, '","channel":"news","data":"x"}]}')],
            ['/batch_events', bytes('{"batch":[{"name":"e","channel":"news', BAD, '","data":"x"}]}')],
        ];
        for (const [i, [path, body]] of refused.entries()) {
            const r = await signedPost(srv.port, path, body);
            assert.equal(r.status, 400, `request ${i}: ${r.body}`);
            assert.ok(JSON.parse(r.body).error, `request ${i} has an error message`);
        }
        // Still connected and receiving: the next valid event is the first one that arrives.
        const ok = await signedPost(srv.port, '/events',
                                    Buffer.from('{"name":"after","channel":"news","data":"h\u00e9"}'));
        assert.equal(ok.status, 200, ok.body);
        await waitFor(() => got.some((m) => m.event === 'after'), 5000, 'the valid event');
        assert.deepEqual(got.filter((m) => !m.event.startsWith('pusher')).map((m) => m.event), ['after']);
        assert.equal(got.find((m) => m.event === 'after').data, 'h\u00e9');
        assert.equal(closed, null);
        assert.equal(sub.readyState, WebSocket.OPEN);
    } finally {
        sub.terminate();
        assert.equal((await srv.stop()).code, 0);
    }
});

test('pipelined unsigned requests are each counted and logged within a budget', async () => {
    const srv = await startShoal({ mode: 'serve', workers: 1 });
    const N = 3000;
    try {
        const answered = await new Promise((resolve) => {
            const s = net.connect(srv.port, '127.0.0.1');
            let text = '';
            s.on('data', (d) => {
                text += d;
                if ((text.match(/HTTP\/1\.1 401/g) || []).length === N) { s.destroy(); resolve(N); }
            });
            s.on('error', () => {});
            s.on('connect', () => {
                s.write(`GET /apps/${APP.id}/channels HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(N));
            });
        });
        assert.equal(answered, N);
        await waitFor(() => shoalStatus(srv.port).totals.counters.http_auth_failures_total === N,
                      5000, `http_auth_failures_total == ${N}`);
        const lines = srv.logs().split('\n').filter((l) => l.includes('http api: 401 GET'));
        assert.ok(lines.length >= 1, 'some 401s are logged');
        assert.ok(lines.length < N / 10, `${lines.length} lines for ${N} requests`);
    } finally {
        assert.equal((await srv.stop()).code, 0);
    }
});
