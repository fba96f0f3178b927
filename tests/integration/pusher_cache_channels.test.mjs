// SPDX-License-Identifier: MIT
// test-labels: integration worker
// test-timeout: 60
// Cache channels with real pusher-js against `shoal serve --workers 2`: an event triggered while
// nobody listens reaches later subscribers on both workers (so one of them learnt it over the
// bus), batch_events are cached per channel, an empty cache channel answers pusher:cache_miss, a
// client event on a private cache channel is what the next subscriber on the other worker gets,
// and a worker restarted after kill -9 starts with the cache from the others' snapshot answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shoalStatus, startShoal, sleep } from '../clients/shoal_server.mjs';
import { serverSdk, slotOf, spreadClients, subscribed, waitFor } from
    '../clients/cross_worker_clients.mjs';

const WORKERS = 2;

// Four clients with at least one on each worker; returns them all and one per slot.
async function clientsOnEverySlot(port) {
    const { clients } = await spreadClients(port, 4, WORKERS);
    const bySlot = [...Array(WORKERS).keys()].map(
        (s) => clients.find((c) => slotOf(c.connection.socket_id) === s));
    return { clients, bySlot };
}

// After this, every worker has read what the SDK published before it: the SDK's keep-alive
// connection is one publisher, and one publisher's events reach every worker in order. (A fixed
// sleep would be a guess on a loaded host.)
let barriers = 0;
async function barrier(sdk, bySlot) {
    const name = `barrier-${++barriers}`;
    const chans = await Promise.all(bySlot.map((c) => subscribed(c, name)));
    const seen = chans.map(() => false);
    chans.forEach(({ ch }, i) => ch.bind('b', () => { seen[i] = true; }));
    await sdk.trigger(name, 'b', {});
    await waitFor(() => seen.every(Boolean), 5000, 'the barrier event on every worker');
    for (const c of bySlot) c.unsubscribe(name);
}

// Subscribes with the handlers already bound, as an app does; resolves with what they saw.
function subscribeListening(client, name, events) {
    const ch = client.subscribe(name);
    const seen = [];
    for (const e of events) ch.bind(e, (data) => seen.push({ event: e, data }));
    return { ch, seen };
}

test('pusher-js: cache channels answer from the host-wide last event or with cache_miss',
     async () => {
    const srv = await startShoal({ mode: 'serve', workers: WORKERS });
    const sdk = serverSdk(srv.port);
    let clients = [];
    try {
        await sdk.trigger('cache-x', 'score', { home: 2, away: 1 });  // no subscriber anywhere
        let bySlot;
        ({ clients, bySlot } = await clientsOnEverySlot(srv.port));
        await barrier(sdk, bySlot);

        // One worker took the trigger; the other only read it from the bus. Both answer it.
        const subs = bySlot.map((c) => subscribeListening(c, 'cache-x',
                                                          ['score', 'pusher:cache_miss']));
        await waitFor(() => subs.every((s) => s.seen.length >= 1), 3000, 'cached event on both');
        for (const s of subs) assert.deepEqual(s.seen, [{ event: 'score', data: { home: 2, away: 1 } }]);

        // A live subscriber still gets new events once, and the next subscriber gets the newest.
        await sdk.trigger('cache-x', 'score', { home: 3, away: 1 });
        await waitFor(() => subs.every((s) => s.seen.length >= 2), 3000, 'second event on both');
        const late = subscribeListening(clients.find((c) => !bySlot.includes(c)), 'cache-x',
                                        ['score', 'pusher:cache_miss']);
        await waitFor(() => late.seen.length >= 1, 3000, 'newest cached event');
        assert.deepEqual(late.seen, [{ event: 'score', data: { home: 3, away: 1 } }]);

        // batch_events is cached per channel too.
        await sdk.triggerBatch([{ channel: 'cache-b1', name: 'one', data: { n: 1 } },
                                { channel: 'cache-b2', name: 'two', data: { n: 2 } }]);
        await barrier(sdk, bySlot);
        const batch = ['cache-b1', 'cache-b2'].map((n, i) =>
            subscribeListening(bySlot[i], n, ['one', 'two', 'pusher:cache_miss']));
        await waitFor(() => batch.every((b) => b.seen.length >= 1), 3000, 'cached batch events');
        assert.deepEqual(batch.map((b) => b.seen), [[{ event: 'one', data: { n: 1 } }],
                                                    [{ event: 'two', data: { n: 2 } }]]);

        // Nothing published: pusher:cache_miss right after the subscription succeeds.
        const empty = subscribeListening(bySlot[1], 'cache-empty', ['pusher:cache_miss']);
        await waitFor(() => empty.seen.length >= 1, 3000, 'cache_miss');
        const { ch: plain } = await subscribed(bySlot[1], 'not-cached');
        plain.bind('pusher:cache_miss', () => assert.fail('cache_miss on a plain channel'));

        // A client event on a private cache channel is kept for the next subscriber, wherever.
        const { ch: room } = await subscribed(bySlot[0], 'private-cache-room');
        assert.ok(room.trigger('client-typing', { who: 'slot0' }));
        // The sender's worker wrote it to its ring; a second client event from the same sender,
        // seen by a subscriber on the other worker, proves that worker has read the first.
        const { ch: watch } = await subscribed(bySlot[1], 'private-watch');
        const marks = [];
        watch.bind('client-mark', () => marks.push(1));
        const { ch: mark } = await subscribed(bySlot[0], 'private-watch');
        await sleep(120);  // client events are limited to 10/s per connection
        assert.ok(mark.trigger('client-mark', {}));
        await waitFor(() => marks.length === 1, 5000, 'the mark on the other worker');
        const other = subscribeListening(bySlot[1], 'private-cache-room',
                                         ['client-typing', 'pusher:cache_miss']);
        await waitFor(() => other.seen.length >= 1, 3000, 'cached client event');
        assert.deepEqual(other.seen, [{ event: 'client-typing', data: { who: 'slot0' } }]);
        await sleep(100);
        assert.equal(empty.seen.length, 1);
    } finally {
        for (const c of clients) c.disconnect();
        assert.equal((await srv.stop()).code, 0);
    }
});

test('pusher-js: a worker restarted after kill -9 answers from the cache it got by snapshot',
     async () => {
    const srv = await startShoal({ mode: 'serve', workers: WORKERS });
    const sdk = serverSdk(srv.port);
    let clients = [];
    try {
        const before = await clientsOnEverySlot(srv.port);
        await sdk.trigger('cache-r', 'state', { v: 7 });
        await barrier(sdk, before.bySlot);  // both workers hold it
        for (const c of before.clients) c.disconnect();
        const victim = 1;
        const old = shoalStatus(srv.port).slots[victim].pid;
        process.kill(old, 'SIGKILL');
        await waitFor(() => {
            const s = shoalStatus(srv.port).slots[victim];
            return s.pid > 0 && s.pid !== old && s.state === 'running';
        }, 10000, 'slot 1 restarted');
        await sleep(200);
        let bySlot;
        ({ clients, bySlot } = await clientsOnEverySlot(srv.port));
        const onNew = bySlot[victim];
        const sub = subscribeListening(onNew, 'cache-r', ['state', 'pusher:cache_miss']);
        await waitFor(() => sub.seen.length >= 1, 3000, 'cached event on the restarted worker');
        assert.deepEqual(sub.seen, [{ event: 'state', data: { v: 7 } }]);
    } finally {
        for (const c of clients) c.disconnect();
        await srv.stop();
    }
});
