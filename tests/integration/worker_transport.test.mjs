// SPDX-License-Identifier: MIT
// test-labels: integration worker
// One standalone `shoal worker`: health checks over keep-alive, a WebSocket handshake validated by
// the `ws` client, and a graceful exit 0 on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import WebSocket from 'ws';
import { startShoal } from '../clients/shoal_server.mjs';

function get(agent, port, path) {
    return new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
            let body = '';
            res.on('data', (d) => { body += d; });
            res.on('end', () => resolve({ status: res.statusCode, body, socket: res.socket }));
        }).on('error', reject);
    });
}

test('GET / and GET /ready answer 200 JSON on one keep-alive connection', async () => {
    const srv = await startShoal({ mode: 'worker' });
    try {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const a = await get(agent, srv.port, '/ready');
        assert.equal(a.status, 200);
        assert.deepEqual(JSON.parse(a.body), { ready: true });
        const b = await get(agent, srv.port, '/');
        assert.equal(b.status, 200);
        assert.equal(JSON.parse(b.body).status, 'ok');
        assert.equal(a.socket, b.socket);
        agent.destroy();
    } finally {
        await srv.stop();
    }
});

test('a WebSocket version the server does not speak is refused with 426', async () => {
    const srv = await startShoal({ mode: 'worker' });
    try {
        const status = await new Promise((resolve) => {
            const ws = new WebSocket(`${srv.url}/app/app-key`, { protocolVersion: 8 });
            ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode); ws.terminate(); });
            ws.on('error', () => {});
        });
        assert.equal(status, 426);
    } finally {
        await srv.stop();
    }
});

test('SIGTERM drains and exits 0', async () => {
    const srv = await startShoal({ mode: 'worker' });
    const r = await srv.stop();
    assert.equal(r.code, 0);
    assert.match(srv.logs(), /drained, exiting/);
});
