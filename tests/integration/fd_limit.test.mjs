// SPDX-License-Identifier: MIT
// test-labels: integration worker
// test-timeout: 60
// A worker under a low open-file limit: it raises its soft limit to the hard one, says what that
// allows and takes no more connections than its descriptors can hold, so every client past that
// gets a clear 503 instead of a silent close when accept() would run out of descriptors; it logs
// the refusals at most once a second, keeps serving the clients it holds, and takes new ones once
// descriptors are free.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { startShoal, sleep } from '../clients/shoal_server.mjs';
import { client, connected } from '../clients/cross_worker_clients.mjs';

const HARD = 300;

function softLimit(pid) {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n')
        .find((l) => l.startsWith('Max open files'));
    return Number(line.split(/\s+/)[3]);
}

// A raw TCP connection asking for the Pusher endpoint; resolves with { socket } once the
// connection is established, { status } for an HTTP refusal, or { closed: true } when the server
// closed it unanswered.
function upgrade(port) {
    return new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => s.write(
            'GET /app/app-key?protocol=7 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n' +
            'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
            'Sec-WebSocket-Version: 13\r\n\r\n'));
        let got = '';
        s.on('data', (d) => {
            got += d.toString('latin1');
            if (got.includes('connection_established')) resolve({ socket: s });
            const m = /^HTTP\/1\.1 (\d+)/.exec(got);
            if (m && m[1] !== '101') {
                s.destroy();
                resolve({ status: Number(m[1]) });
            }
        });
        s.on('error', () => resolve({ closed: true }));
        s.on('close', () => resolve({ closed: true }));
        s.setTimeout(5000, () => { s.destroy(); resolve({ closed: true }); });
    });
}

test('fd limit: raised to the hard limit; clients past what it allows get 503; serving goes on', async () => {
    const srv = await startShoal({ nofile: [64, HARD] });
    const sockets = [];
    try {
        assert.equal(softLimit(srv.proc.pid), HARD);
        assert.match(srv.logs(), /open-file limit 300 \(hard\) caps this worker at 150 connections/);

        // In waves of 50: a refused client holds a descriptor until its 503 is written and the
        // socket closed, so one burst of hundreds would still run past the spare descriptors.
        const results = [];
        for (let wave = 0; wave < 8; wave++) {
            results.push(...await Promise.all(Array.from({ length: 50 }, () => upgrade(srv.port))));
        }
        sockets.push(...results.filter((r) => r.socket).map((r) => r.socket));
        const refused = results.filter((r) => r.status === 503).length;
        const silent = results.filter((r) => r.closed).length;
        // A refused client still closing counts against the cap for a moment: 145..150 held.
        assert.ok(sockets.length >= 145 && sockets.length <= 150, `held ${sockets.length}`);
        assert.deepEqual({ refused, silent }, { refused: 400 - sockets.length, silent: 0 });
        const lines = srv.logs().split('\n').filter((l) => l.includes('refusing clients'));
        assert.ok(lines.length >= 1 && lines.length <= 3, lines.join('\n'));
        assert.match(lines[0], /over capacity \(150 connections\)/);
        assert.equal(srv.proc.exitCode, null);

        for (const s of sockets.splice(0)) s.destroy();
        await sleep(300);
        const c = client(srv.port);
        try {
            await connected(c);  // descriptors are free again
        } finally {
            c.disconnect();
        }
    } finally {
        for (const s of sockets) s.destroy();
        await srv.stop();
    }
});
