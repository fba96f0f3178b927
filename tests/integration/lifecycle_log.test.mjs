// SPDX-License-Identifier: MIT
// test-labels: integration supervisor
// test-timeout: 60
// `--log-format json`: every line is one JSON object, and lifecycle events carry a stable
// `event` name and keys (docs/observability.md): a worker killed with SIGKILL gives a
// worker_exit with signal 9 and no exit code, then worker_restart_scheduled, worker_start and
// worker_up for its slot with the next epoch; a drain gives supervisor_drain and worker_exit
// with exit code 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shoalStatus, startShoal, waitFor } from '../clients/shoal_server.mjs';

const events = (srv) => srv.logs().split('\n').filter((l) => l.length > 0).map((l) => {
    try { return JSON.parse(l); } catch { throw new Error(`not a JSON log line: ${l}`); }
}).filter((e) => e.event);

test('lifecycle log: structured JSON events for start, up, kill -9, restart and drain', async () => {
    const srv = await startShoal({ mode: 'serve', workers: 2, args: ['--log-format', 'json'] });
    let stopped = false;
    try {
        await waitFor(() => events(srv).filter((e) => e.event === 'worker_up').length === 2, 10000,
                      'two worker_up events');
        const starts = events(srv).filter((e) => e.event === 'worker_start');
        assert.equal(starts.length, 2);
        for (const e of starts) {
            assert.equal(e.role, 'supervisor');
            assert.ok(Number.isInteger(e.slot) && Number.isInteger(e.worker_pid) && e.epoch >= 1);
            assert.equal(e.breaker, 'closed');
            assert.equal(e.level, 'info');
            assert.equal(typeof e.msg, 'string');
        }
        const victim = shoalStatus(srv.port).slots[1];
        process.kill(victim.pid, 'SIGKILL');
        await waitFor(() => events(srv).some((e) => e.event === 'worker_up' && e.slot === 1 &&
                                                    e.epoch > victim.epoch), 15000, 'slot 1 back up');
        const exit = events(srv).find((e) => e.event === 'worker_exit' && e.worker_pid === victim.pid);
        assert.ok(exit, 'worker_exit of the killed worker');
        assert.equal(exit.slot, 1);
        assert.equal(exit.signal, 9);
        assert.equal(exit.signal_name, 'KILL');
        assert.equal(exit.exit_code, null);
        assert.equal(exit.expected, false);
        assert.equal(exit.level, 'warn');
        assert.ok(events(srv).some((e) => e.event === 'worker_restart_scheduled' && e.slot === 1 &&
                                          Number.isInteger(e.delay_ms)));
        assert.ok(events(srv).some((e) => e.event === 'worker_start' && e.slot === 1 &&
                                          e.epoch > victim.epoch && e.restarts >= 1));

        stopped = true;
        assert.equal((await srv.stop()).code, 0);
        assert.ok(events(srv).some((e) => e.event === 'supervisor_drain' && e.signal === 'SIGTERM'));
        const clean = events(srv).filter((e) => e.event === 'worker_exit' && e.exit_code === 0);
        assert.equal(clean.length, 2);
        for (const e of clean) assert.equal(e.expected, true);
    } finally {
        if (!stopped) await srv.stop();
    }
});
