// SPDX-License-Identifier: MIT
// test-labels: integration supervisor
// test-timeout: 120
// The supervisor's host view over `shoal serve --workers 2` with real pusher-js clients: a user
// connected on both workers is one member of the host (added once, removed only with its last
// connection), a channel is occupied once and vacated once. Observed through the supervisor's
// debug log lines (supervisor/host_view/change_log.hpp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startShoal } from '../clients/shoal_server.mjs';
import { client, connected, serverSdk, slotOf, subscribed, waitFor } from
    '../clients/cross_worker_clients.mjs';

const ROOM = 'presence-hostview';

// A connected client of `user` on `slot` (workers pace their accepts, so a few tries reach it).
async function clientOn(port, user, slot, opened) {
    for (let i = 0; i < 40; i++) {
        const c = client(port, user);
        opened.push(c);
        await connected(c);
        if (slotOf(c.connection.socket_id) === slot) return c;
        c.disconnect();
    }
    throw new Error(`no connection of ${user} reached slot ${slot}`);
}

test('host view: a user on two workers is one member of the host; a channel is occupied once',
     async () => {
    const srv = await startShoal({ mode: 'serve', workers: 2, logLevel: 'debug' });
    const sdk = serverSdk(srv.port);
    const opened = [];
    const count = (what) => srv.logs().split('\n')
        .filter((l) => l.includes(`host view: ${what}`)).length;
    const subscriptions = async () => (await (await sdk.get({
        path: `/channels/${ROOM}`, params: { info: 'subscription_count' } })).json())
        .subscription_count;
    try {
        const ann0 = await clientOn(srv.port, 'ann', 0, opened);
        const ann1 = await clientOn(srv.port, 'ann', 1, opened);
        const bob0 = await clientOn(srv.port, 'bob', 0, opened);
        for (const c of [ann0, ann1, bob0]) await subscribed(c, ROOM);
        await waitFor(() => count(`member added: topic=${ROOM} user=bob`) === 1, 5000,
                      'the host view saw bob');
        await waitFor(async () => (await subscriptions()) === 3, 5000, '3 subscriptions');
        assert.equal(count(`member added: topic=${ROOM} user=ann`), 1, 'ann added once');
        assert.equal(count(`channel occupied: topic=${ROOM}`), 1, 'occupied once');

        // ann's connection on worker 0 goes, then bob's on the same worker: in that ring's
        // order the view handles ann's leave first, and ann (still on worker 1) stays.
        ann0.disconnect();
        await waitFor(async () => (await subscriptions()) === 2, 5000, 'ann0 gone');
        bob0.disconnect();
        await waitFor(() => count(`member removed: topic=${ROOM} user=bob`) === 1, 5000,
                      'the host view removed bob');
        assert.equal(count(`member removed: topic=${ROOM} user=ann`), 0, 'ann is still there');
        assert.equal(count(`channel vacated: topic=${ROOM}`), 0);

        ann1.disconnect();
        await waitFor(() => count(`channel vacated: topic=${ROOM}`) === 1, 5000, 'vacated');
        assert.equal(count(`member removed: topic=${ROOM} user=ann`), 1, 'ann removed once');
        assert.equal(count(`member added: topic=${ROOM} user=ann`), 1);
        assert.equal(count(`channel occupied: topic=${ROOM}`), 1);
    } finally {
        for (const c of opened) c.disconnect();
        const { code } = await srv.stop();
        assert.equal(code, 0, srv.logs());
    }
});
