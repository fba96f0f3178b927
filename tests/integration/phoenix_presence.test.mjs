// SPDX-License-Identifier: MIT
// test-labels: integration worker
// test-timeout: 120
// phoenix.js Presence across workers: onSync converges to one entry per user with one meta per
// connection, and a worker killed with SIGKILL produces leave diffs on the survivors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startShoal, shoalStatus } from '../clients/shoal_server.mjs';
import { connectPhoenix, join, userToken, waitFor, Presence } from '../clients/phoenix_client.mjs';

// A view of what a client's Presence holds: user -> number of metas, keys sorted (the order of
// users in presence_state is not defined, in Phoenix either).
function view(presence) {
    const out = {};
    presence.list((id, { metas }) => { out[id] = metas.length; });
    return Object.fromEntries(Object.entries(out).sort());
}

test('phoenix presence: 3 users on 4 connections over 4 workers, then a worker is killed', async () => {
    const srv = await startShoal({ mode: 'serve', workers: 4 });
    const users = ['ann', 'bob', 'cat', 'ann'];
    const clients = [];
    const open = async (i) => {
        const u = users[i];
        // No quick reconnect: the test wants to see the killed worker's connections stay gone.
        const socket = connectPhoenix(srv.port, { token: userToken(u, { n: i }) },
                                      { reconnectAfterMs: () => 60000, rejoinAfterMs: () => 60000 });
        const channel = socket.channel('presence:room', {});
        const presence = new Presence(channel);
        const c = { user: u, socket, channel, presence, synced: 0, closed: false };
        presence.onSync(() => { c.synced++; });
        socket.onClose(() => { c.closed = true; });
        await join(channel);
        return c;
    };
    // Worker slots holding presence connections, from the metas' phx_ref ("F<slot>.<epoch>.<conn>"),
    // once the first client sees all `total` connections.
    const metaSlots = async (total) => {
        const refs = () => Object.values(clients[0].presence.state).flatMap(({ metas }) => metas.map((m) => m.phx_ref));
        await waitFor(() => refs().length === total, 5000, `${total} metas in the first client's presence`);
        const count = {};
        for (const r of refs()) { const slot = Number(r.slice(1).split('.')[0]); count[slot] = (count[slot] || 0) + 1; }
        return count;
    };
    try {
        for (let i = 0; i < users.length; i++) clients.push(await open(i));
        // The kernel may hand every accept to one worker; reopen the last connection until the
        // four span at least two workers (that is what the test is about).
        let perSlot;
        for (let tries = 0; Object.keys(perSlot = await metaSlots(users.length)).length < 2; tries++) {
            assert.ok(tries < 20, 'connections never spread over two workers');
            clients.pop().socket.disconnect();
            await metaSlots(users.length - 1);
            clients.push(await open(users.length - 1));
        }
        const expected = { ann: 2, bob: 1, cat: 1 };
        for (const c of clients) {
            await waitFor(() => JSON.stringify(view(c.presence)) === JSON.stringify(expected), 5000,
                          `${c.user}'s presence to converge (has ${JSON.stringify(view(c.presence))})`);
        }
        for (const [id, { metas }] of Object.entries(clients[0].presence.state)) {
            for (const m of metas) assert.ok(typeof m.phx_ref === 'string' && m.phx_ref.length > 0, id);
        }
        assert.ok(clients[1].presence.state.bob.metas[0].n === 1, 'user_info travels in the meta');

        // Kill the worker holding the most of these connections (another one keeps a survivor).
        const [victim] = Object.entries(perSlot).sort((x, y) => y[1] - x[1])[0];
        const pid = shoalStatus(srv.port).slots.find((s) => s.slot === Number(victim)).pid;
        process.kill(pid, 'SIGKILL');
        await waitFor(() => clients.some((c) => c.closed), 5000, 'a client to see its worker die');
        const survivors = clients.filter((c) => !c.closed);
        assert.ok(survivors.length > 0);
        const truth = {};
        for (const c of survivors) truth[c.user] = (truth[c.user] || 0) + 1;
        const t0 = Date.now();
        for (const c of survivors) {
            await waitFor(() => JSON.stringify(Object.fromEntries(Object.entries(view(c.presence)).sort())) ===
                                JSON.stringify(Object.fromEntries(Object.entries(truth).sort())), 3000,
                          `${c.user}'s presence to drop the dead worker's members`);
        }
        // Within 1 s of noticing, plus the client-side close detection already waited for.
        assert.ok(Date.now() - t0 < 1500, `leave diffs took ${Date.now() - t0} ms`);
    } finally {
        for (const c of clients) c.socket.disconnect();
        await srv.stop();
    }
});
