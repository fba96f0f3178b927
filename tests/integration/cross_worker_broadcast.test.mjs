// SPDX-License-Identifier: MIT
// test-labels: integration worker
// test-timeout: 120
// `shoal serve --workers 4` with 40 real pusher-js clients spread over the workers: one HTTP API
// trigger reaches all 40 exactly once, socket_id exclusion works across workers, a client event
// reaches the 39 others, publish order holds per publisher, and the HTTP API answers channel
// queries for the whole host. A worker stalled through the burst of clients still gets its share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startShoal, sleep, shoalStatus } from '../clients/shoal_server.mjs';
import { disconnectAll, releaseClosedSocket, socketOf } from '../clients/pusher_clients.mjs';
import { client, connected, serverSdk, slotOf, spreadClients, subscribed, waitFor } from
    '../clients/cross_worker_clients.mjs';

const WORKERS = 4;
const N = 40;

test('cross-worker broadcast: 40 pusher-js clients on 4 workers, each message once', async () => {
    const srv = await startShoal({ mode: 'serve', workers: WORKERS });
    const sdk = serverSdk(srv.port);
    const { clients, slots, spread } = await spreadClients(srv.port, N, WORKERS);
    try {
        assert.equal(slots.size, WORKERS, `clients reached slots ${[...slots]} only`);
        // No worker left with a handful: pacing spreads the burst, and spreadClients tops up a
        // worker a loaded host left out of it.
        assert.ok(Math.min(...spread) >= N / WORKERS / 2, `clients per slot ${spread}`);
        const got = clients.map(() => []);
        const chans = await Promise.all(clients.map((c) => subscribed(c, 'private-room')));
        chans.forEach(({ ch }, i) => {
            ch.bind('news', (d) => got[i].push(`news:${d.n}`));
            ch.bind('client-hi', (d) => got[i].push(`client:${d.from}`));
        });
        // Subscriptions on every worker are visible to the HTTP API of any worker.
        // The counts cross the bus as each worker reads the others' rings: asked until they
        // settle, with a deadline for a count that never does (not for speed).
        let info;
        for (const deadline = Date.now() + 10000; ;) {
            info = await (await sdk.get({ path: '/channels/private-room',
                                          params: { info: 'subscription_count' } })).json();
            if (info.subscription_count === N || Date.now() > deadline) break;
            await sleep(20);
        }
        assert.deepEqual(info, { occupied: true, subscription_count: N });

        // One trigger reaches all 40 exactly once; then ten in order.
        await sdk.trigger('private-room', 'news', { n: 0 });
        await waitFor(() => got.every((g) => g.length >= 1), 5000, 'first trigger everywhere');
        for (let n = 1; n <= 10; n++) await sdk.trigger('private-room', 'news', { n });
        await waitFor(() => got.every((g) => g.length >= 11), 5000, 'ten triggers everywhere');
        await sleep(200);
        const expected = Array.from({ length: 11 }, (_, n) => `news:${n}`);
        for (const g of got) assert.deepEqual(g, expected);

        // socket_id exclusion: the excluded client lives on some worker, the trigger may land on
        // any other; it alone does not get the event.
        const excluded = clients[7].connection.socket_id;
        await sdk.trigger('private-room', 'news', { n: 99 }, { socket_id: excluded });
        await waitFor(() => got.filter((g, i) => i !== 7 && g.includes('news:99')).length === N - 1,
                      5000, 'excluded trigger');
        await sleep(200);
        assert.ok(!got[7].includes('news:99'));

        // A client event from one client reaches the 39 others, wherever they are.
        const from = clients[3].connection.socket_id;
        chans[3].ch.trigger('client-hi', { from });
        await waitFor(() => got.filter((g) => g.includes(`client:${from}`)).length === N - 1, 5000,
                      'client event on 39 others');
        await sleep(200);
        assert.ok(!got[3].includes(`client:${from}`));
        for (const g of got) assert.ok(g.filter((e) => e === `client:${from}`).length <= 1);
    } finally {
        for (const c of clients) c.disconnect();
        assert.equal((await srv.stop()).code, 0);
    }
});

test('cross-worker: a #server-to-user channel reaches a user signed in on another worker',
     async () => {
    const srv = await startShoal({ mode: 'serve', workers: WORKERS });
    const sdk = serverSdk(srv.port);
    const clients = [];
    try {
        // Open clients (all signing in as one user) until two land on different workers.
        let a = null, b = null;
        for (let i = 0; i < 20 && !b; i++) {
            const c = client(srv.port, 'u-42');
            clients.push(c);
            await connected(c);
            if (!a) a = c;
            else if (slotOf(c.connection.socket_id) !== slotOf(a.connection.socket_id)) b = c;
        }
        assert.ok(b, 'two workers reached');
        const got = [];
        for (const c of [a, b]) {
            c.user.bind('hello', () => got.push(c));
            c.signin();
            await c.user.signinDonePromise;
        }
        await sleep(200);
        await sdk.sendToUser('u-42', 'hello', { x: 1 });
        await waitFor(() => got.length === 2, 5000, 'both connections of the user');
        // terminate_connections closes the user's connections on every worker.
        const dropped = new Set();
        for (const c of [a, b]) c.connection.bind('state_change', (s) => {
            if (s.current !== 'connected') dropped.add(c);
        });
        const sockets = [a, b].map(socketOf);
        await sdk.terminateUserConnections('u-42');
        await waitFor(() => dropped.size === 2, 5000, 'terminated on both workers');
        await waitFor(() => a.connection.state === 'disconnected' && b.connection.state === 'disconnected',
                      5000, 'both closed for good (4009)');
        sockets.forEach(releaseClosedSocket);
    } finally {
        disconnectAll(...clients);
        assert.equal((await srv.stop()).code, 0);
    }
});

test('cross-worker: a SIGSTOPped worker slows nobody else down', async () => {
    const srv = await startShoal({ mode: 'serve', workers: WORKERS });
    const sdk = serverSdk(srv.port);
    const { clients } = await spreadClients(srv.port, 20, WORKERS);
    const pids = shoalStatus(srv.port).slots.map((s) => s.pid);
    const stopped = slotOf(clients[0].connection.socket_id);
    try {
        const got = clients.map(() => []);
        const chans = await Promise.all(clients.map((c) => subscribed(c, 'live')));
        chans.forEach(({ ch }, i) => ch.bind('tick', (d) => got[i].push(d.n)));
        const others = clients.map((c, i) => i)
            .filter((i) => slotOf(clients[i].connection.socket_id) !== stopped);
        process.kill(pids[stopped], 'SIGSTOP');
        // Well inside the supervisor's 3 s heartbeat timeout: the stopped reader is still there.
        const t0 = Date.now();
        try {
            for (let n = 0; n < 20; n++) await sdk.trigger('live', 'tick', { n });
        } catch (e) {
            throw new Error(`${e.message}: ${e.error ?? ''}\n${srv.logs().slice(-3000)}`);
        }
        await waitFor(() => others.every((i) => got[i].length === 20), 2000,
                      'events on the running workers while one is stopped');
        const took = Date.now() - t0;
        for (const i of others) assert.deepEqual(got[i], Array.from({ length: 20 }, (_, n) => n));
        console.log(`# 20 triggers reached ${others.length} clients on running workers in ` +
                    `${took} ms with one worker stopped`);
    } finally {
        try { process.kill(pids[stopped], 'SIGCONT'); } catch { /* already replaced */ }
        for (const c of clients) c.disconnect();
        assert.equal((await srv.stop()).code, 0);
    }
});

test('cross-worker: a worker stalled through the burst of clients still gets its share', async () => {
    const srv = await startShoal({ mode: 'serve', workers: WORKERS });
    const pids = shoalStatus(srv.port).slots.map((s) => s.pid);
    // As on a loaded host whose scheduler leaves one worker out: it takes none of the burst.
    process.kill(pids[1], 'SIGSTOP');
    const spreading = spreadClients(srv.port, N, WORKERS);
    let clients = [];
    try {
        await waitFor(() => shoalStatus(srv.port).slots.reduce((n, s) => n + s.connections, 0) >= N,
                      10000, 'the burst accepted by the running workers');
        process.kill(pids[1], 'SIGCONT');
        let slots, spread;
        ({ clients, slots, spread } = await spreading);
        assert.equal(slots.size, WORKERS, `clients reached slots ${[...slots]} only`);
        assert.ok(Math.min(...spread) >= N / WORKERS / 2, `clients per slot ${spread}`);
        assert.equal(clients.length, N);
    } finally {
        try { process.kill(pids[1], 'SIGCONT'); } catch { /* already replaced */ }
        if (!clients.length) clients = (await spreading.catch(() => ({ clients: [] }))).clients;
        for (const c of clients) c.disconnect();
        assert.equal((await srv.stop()).code, 0);
    }
});
