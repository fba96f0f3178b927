// SPDX-License-Identifier: MIT
// test-labels: integration supervisor
// test-timeout: 60
// Worker counters live in the bus, per slot: after `kill -9` of a worker and its restart by the
// supervisor, `shoal status --json` still reports what the dead worker counted, so the host total
// of accepted connections never goes down, and one new connection adds exactly one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { APP, shoalStatus, startShoal, waitFor } from '../clients/shoal_server.mjs';

const K = 6;

// A Pusher WebSocket client, resolved once the server said connection_established (so the
// connection was accepted and counted before this returns).
function openClient(port) {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/app/${APP.key}?protocol=7`);
        ws.on('message', (raw) => {
            const m = JSON.parse(raw.toString());
            if (m.event === 'pusher:connection_established') resolve(ws);
        });
        ws.on('error', reject);
    });
}

const accepted = (st) => st.totals.counters.connections_accepted_total;
const slotAccepted = (st, slot) => st.slots[slot].counters.connections_accepted_total;

test('counters: a killed worker\'s counts survive its restart and host totals never go down',
     async () => {
    const srv = await startShoal({ mode: 'serve', workers: 2 });
    const clients = [];
    try {
        for (let i = 0; i < K; i++) clients.push(await openClient(srv.port));
        const before = shoalStatus(srv.port);
        assert.ok(accepted(before) >= K, `accepted ${accepted(before)}`);
        assert.equal(accepted(before), slotAccepted(before, 0) + slotAccepted(before, 1));
        assert.ok(before.totals.counters.websockets_opened_total >= K);
        for (const key of ['connections', 'messages_in', 'messages_out', 'lost_records'])
            assert.equal(typeof before.slots[0][key], 'number', key);

        // The slot that counted more is the victim, so losing its counts would show.
        const victim = slotAccepted(before, 0) >= slotAccepted(before, 1) ? 0 : 1;
        const old = before.slots[victim];
        assert.ok(slotAccepted(before, victim) > 0);
        process.kill(old.pid, 'SIGKILL');
        let after;
        await waitFor(() => {
            after = shoalStatus(srv.port);
            const s = after.slots[victim];
            return s.pid > 0 && s.pid !== old.pid && s.epoch > old.epoch && s.state === 'running';
        }, 15000, `slot ${victim} restarted`);

        assert.ok(accepted(after) >= accepted(before),
                  `host total went down: ${accepted(before)} -> ${accepted(after)}`);
        assert.ok(slotAccepted(after, victim) >= slotAccepted(before, victim),
                  `slot ${victim} lost its counts`);
        assert.ok(after.slots[victim].restarts >= 1);

        clients.push(await openClient(srv.port));
        const next = shoalStatus(srv.port);
        assert.equal(accepted(next), accepted(after) + 1);
    } finally {
        for (const c of clients) c.terminate();
        assert.equal((await srv.stop()).code, 0);
    }
});
