// SPDX-License-Identifier: MIT
// test-labels: integration worker
// test-timeout: 120
// Presence over `shoal serve --workers 4` with 40 pusher-js clients: every client sees all 40
// members; a user connected on two workers leaves only with its last connection; kill -9 of one
// worker removes its members on every survivor within 1 s, survivors lose no event published
// during the crash, and the dead worker's clients reconnect, rejoin and receive again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startShoal, sleep, shoalStatus } from '../clients/shoal_server.mjs';
import { client, connected, serverSdk, slotOf, spreadClients, subscribed, waitFor } from
    '../clients/cross_worker_clients.mjs';

const WORKERS = 4;
const N = 40;
const ROOM = 'presence-room';

test('cross-worker presence: one member list for the host, and a killed worker leaves cleanly',
     async () => {
    const srv = await startShoal({ mode: 'serve', workers: WORKERS });
    const sdk = serverSdk(srv.port);
    const { clients, slots, spread } = await spreadClients(srv.port, N, WORKERS, (i) => `u${i}`);
    const extra = [];
    try {
        assert.equal(slots.size, WORKERS, `clients reached slots ${[...slots]} only`);
        // No worker left with a handful: pacing spreads the burst, and spreadClients tops up a
        // worker a loaded host left out of it.
        assert.ok(Math.min(...spread) >= N / WORKERS / 2, `clients per slot ${spread}`);
        const added = clients.map(() => []);
        const removed = clients.map(() => []);
        const news = clients.map(() => []);
        const chans = await Promise.all(clients.map((c) => subscribed(c, ROOM)));
        chans.forEach(({ ch }, i) => {
            ch.bind('pusher:member_added', (m) => added[i].push(m.id));
            ch.bind('pusher:member_removed', (m) => removed[i].push(m.id));
            ch.bind('news', (d) => news[i].push(d.n));
        });
        await waitFor(() => chans.every(({ ch }) => ch.members.count === N), 5000,
                      'every client sees 40 members');
        // Each later member was announced once to each earlier one, never twice.
        for (const a of added) assert.equal(new Set(a).size, a.length);

        // The HTTP API answers for the host.
        const users = await (await sdk.get({ path: `/channels/${ROOM}/users` })).json();
        assert.equal(users.users.length, N);

        // A user with connections on two workers: no member_added for the second connection, and
        // member_removed only when the last one closes.
        const dupSlot = slotOf(clients[0].connection.socket_id);
        let dup2 = null;
        for (let i = 0; i < 20 && !dup2; i++) {
            const c = client(srv.port, 'u0');
            extra.push(c);
            await connected(c);
            if (slotOf(c.connection.socket_id) !== dupSlot) dup2 = c;
        }
        assert.ok(dup2, 'a second connection of u0 on another worker');
        await subscribed(dup2, ROOM);
        await sleep(300);
        assert.ok(added.every((a) => !a.includes('u0')));
        dup2.disconnect();
        await sleep(300);
        assert.ok(removed.every((r) => !r.includes('u0')));

        // kill -9 one worker that holds clients (not slot of client 0, which we keep).
        const victim = [...slots].find((s) => s !== dupSlot);
        const st = shoalStatus(srv.port);
        const pid = st.slots[victim].pid;
        const onVictim = clients.map((c, i) => (slotOf(c.connection.socket_id) === victim ? i : -1))
            .filter((i) => i >= 0);
        const survivors = clients.map((_, i) => i).filter((i) => !onVictim.includes(i));
        const goneUsers = onVictim.map((i) => `u${i}`);
        assert.ok(onVictim.length > 0 && survivors.length > 0);

        // Publish 20 events around the crash from the HTTP API (any worker that answers).
        const publishing = (async () => {
            for (let n = 0; n < 20; n++) {
                for (;;) {
                    try { await sdk.trigger(ROOM, 'news', { n }); break; } catch { await sleep(10); }
                }
                await sleep(25);
            }
        })();
        await sleep(200);
        const killedAt = Date.now();
        process.kill(pid, 'SIGKILL');
        await waitFor(() => survivors.every((i) => goneUsers.every((u) => removed[i].includes(u))),
                      1000, 'member_removed on every survivor within 1 s');
        const took = Date.now() - killedAt;
        await publishing;
        await waitFor(() => survivors.every((i) => news[i].length >= 20), 5000, 'survivor events');
        for (const i of survivors) {
            assert.deepEqual(news[i], Array.from({ length: 20 }, (_, n) => n), `client ${i}`);
            assert.equal(chans[i].ch.members.count >= N - onVictim.length, true);
        }
        console.log(`# members of the killed worker removed on all survivors in ${took} ms`);

        // The dead worker's clients reconnect (pusher-js does it), rejoin, and receive again.
        await waitFor(() => onVictim.every((i) => clients[i].connection.state === 'connected' &&
                                                  chans[i].ch.subscribed), 15000, 'reconnected');
        await waitFor(() => chans.every(({ ch }) => ch.members.count === N), 10000,
                      'every client sees 40 members again');
        const before = news.map((n) => n.length);
        await sdk.trigger(ROOM, 'news', { n: 100 });
        await waitFor(() => news.every((n, i) => n.length === before[i] + 1), 5000,
                      'a trigger after the restart reaches all 40');
        assert.ok(news.every((n) => n[n.length - 1] === 100));
    } finally {
        for (const c of [...clients, ...extra]) c.disconnect();
        assert.equal((await srv.stop()).code, 0);
    }
});
