// SPDX-License-Identifier: MIT
// test-labels: integration supervisor
// test-timeout: 60
// `shoal serve` end to end: workers serve on the one socket, `shoal status --json` reports them
// (with the connections they hold), a second supervisor on the bus is refused, and SIGTERM exits 0
// and unlinks the bus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { existsSync } from 'node:fs';
import { startShoal, sleep } from '../clients/shoal_server.mjs';

const bin = process.env.SHOAL_BIN;

function status(bus) {
    const r = spawnSync(bin, ['status', '--json', '--bus-name', bus], { encoding: 'utf8' });
    return { code: r.status, json: r.status === 0 ? JSON.parse(r.stdout) : null, err: r.stderr };
}

test('serve: status reports every worker and the connections they hold', async () => {
    const srv = await startShoal({ mode: 'serve', workers: 2 });
    const bus = `shoal-test-${srv.port}`;
    const socks = [];
    try {
        let st = status(bus);
        assert.equal(st.code, 0, st.err);
        assert.equal(st.json.supervisor_pid, srv.proc.pid);
        assert.equal(st.json.slots.length, 2);
        for (const s of st.json.slots) {
            assert.equal(s.breaker, 'closed');
            assert.equal(s.epoch, 1);
            assert.ok(s.pid > 0 && s.pid !== srv.proc.pid);
        }
        for (let i = 0; i < 6; i++) {
            const s = net.connect({ host: '127.0.0.1', port: srv.port });
            await new Promise((r, j) => s.on('connect', r).on('error', j));
            socks.push(s);
        }
        let total = 0;
        for (let i = 0; i < 50 && total < 6; i++) {
            await sleep(50);
            st = status(bus);
            total = st.json.slots.reduce((a, s) => a + s.connections, 0);
        }
        // At least ours: the launcher's readiness probe may still hold a keep-alive connection.
        assert.ok(total >= 6, `connections ${total}`);
        assert.ok(st.json.slots.every((s) => s.state === 'running'));
    } finally {
        for (const s of socks) s.destroy();
        const r = await srv.stop();
        assert.equal(r.code, 0);
    }
    assert.equal(existsSync(`/dev/shm/${bus}`), false);
    assert.equal(status(bus).code, 1);
});

test('serve: a second supervisor on the same bus name is refused with a clear message', async () => {
    const srv = await startShoal({ mode: 'serve', workers: 1 });
    try {
        const r = spawnSync(bin, ['serve', '--workers', '1', '--port', '0', '--bus-name',
                                  `shoal-test-${srv.port}`], { encoding: 'utf8', timeout: 10000 });
        assert.equal(r.status, 78);
        assert.match(r.stderr, new RegExp(`another supervisor \\(pid ${srv.proc.pid}\\)`));
    } finally {
        assert.equal((await srv.stop()).code, 0);
    }
});
