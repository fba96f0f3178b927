// SPDX-License-Identifier: MIT
// test-labels: integration supervisor
// test-timeout: 180
// Pusher webhooks from `shoal serve --workers 2` to a real Node http receiver that checks every
// request with the official pusher SDK (pusher.webhook(request).isValid()): each event type once
// (channel_occupied/vacated, member_added/removed, client_event, cache_miss) and a filtered URL;
// the grace period (a reload within it sends nothing); kill -9 of a worker (no member_removed for
// users still connected elsewhere or back within the grace); a receiver answering 500 then 200
// (retried, delivered once); a receiver that hangs (clients still get every event, the queue
// stays within its bound); a reload with a new secret signs with it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { APP, startShoal, waitFor, workerPids } from '../clients/shoal_server.mjs';
import { client, connected, serverSdk, slotOf, subscribed } from
    '../clients/cross_worker_clients.mjs';
import { disconnectAll, nextEvent } from '../clients/pusher_clients.mjs';
import { writeApps } from '../clients/app_clients.mjs';
import { scrape } from '../clients/metrics_client.mjs';
import { named, startReceiver } from '../clients/webhook_receiver.mjs';

function appsFile(app) {
    const file = pathJoin(mkdtempSync(pathJoin(tmpdir(), 'shoal-hooks-')), 'apps.json');
    writeApps(file, [app]);
    return file;
}

const hooked = (webhooks, extra = {}) => ({ ...APP, enable_client_events: true, webhooks, ...extra });

async function serve(app, args = []) {
    const file = appsFile(app);
    const srv = await startShoal({ mode: 'serve', workers: 2, args: ['--apps', file, ...args] });
    srv.appsFile = file;
    return srv;
}

// Every request signed for the app, as JSON.
function assertAllValid(rx) {
    for (const r of rx.requests) {
        assert.ok(r.valid, `request ${r.index} to ${r.path} failed pusher.webhook().isValid()`);
        assert.equal(r.contentType, 'application/json');
        assert.equal(r.method, 'POST');
        assert.equal(typeof r.time_ms, 'number');
    }
}

// Re-checks an asynchronous condition (an HTTP query) until it holds, within a deadline.
async function until(pred, what, timeoutMs = 10000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await pred())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    }
}

const once = (list, name, channel, extra = () => true) =>
    assert.equal(named(list, name, channel).filter(extra).length, 1,
                 `${name} ${channel} once in ${JSON.stringify(list)}`);

test('webhooks: every event type once, signed, and a filtered URL gets only its events',
     async () => {
    const rx = await startReceiver({ apps: [APP] });
    const srv = await serve(hooked([
        { url: rx.url('/all') },
        { url: rx.url('/filtered'), event_types: ['member_added'], channel_prefix: 'presence-' },
    ], { max_connections: 100 }), ['--webhook-grace-ms', '300']);
    const clients = [];
    try {
        const ann1 = client(srv.port, 'ann');
        const ann2 = client(srv.port, 'ann');
        const other = client(srv.port);
        clients.push(ann1, ann2, other);
        await Promise.all(clients.map(connected));
        await subscribed(ann1, 'presence-room');
        await rx.until(() => named(rx.events('/all'), 'member_added').length === 1);
        const { ch } = await subscribed(ann2, 'presence-room');  // ann again: no member_added
        const seen = nextEvent(ann1.channel('presence-room'), 'client-typing');
        ch.trigger('client-typing', { n: 1 });
        await seen;
        await subscribed(other, 'cache-x');
        await subscribed(other, 'news');
        await rx.until(() => named(rx.events('/all'), 'client_event').length === 1 &&
                             named(rx.events('/all'), 'cache_miss').length === 1 &&
                             named(rx.events('/all'), 'channel_occupied').length === 3);
        disconnectAll(...clients);
        await rx.until(() => named(rx.events('/all'), 'channel_vacated').length === 3 &&
                             named(rx.events('/all'), 'member_removed').length === 1);

        const all = rx.events('/all');
        for (const c of ['presence-room', 'cache-x', 'news']) {
            once(all, 'channel_occupied', c);
            once(all, 'channel_vacated', c);
        }
        once(all, 'member_added', 'presence-room', (e) => e.user_id === 'ann');
        once(all, 'member_removed', 'presence-room', (e) => e.user_id === 'ann');
        once(all, 'cache_miss', 'cache-x');
        const [ce] = named(all, 'client_event');
        assert.deepEqual(ce, { name: 'client_event', channel: 'presence-room',
                               event: 'client-typing', data: '{"n":1}',
                               socket_id: ann2.connection.socket_id, user_id: 'ann' });
        // Nothing else: the app's connection topic (its quota count) is no channel.
        assert.equal(all.length, 10, JSON.stringify(all));
        assert.deepEqual(rx.events('/filtered'),
                         [{ name: 'member_added', channel: 'presence-room', user_id: 'ann' }]);
        assertAllValid(rx);
    } finally {
        disconnectAll(...clients);
        assert.equal((await srv.stop()).code, 0, srv.logs());
        await rx.close();
    }
});

test('webhooks: a reload within the grace period sends nothing; leaving for good sends once',
     async () => {
    const rx = await startReceiver({ apps: [APP] });
    const srv = await serve(hooked([{ url: rx.url() }]), ['--webhook-grace-ms', '2000']);
    const sdk = serverSdk(srv.port);
    const clients = [];
    try {
        const first = client(srv.port, 'rita');
        clients.push(first);
        await connected(first);
        await subscribed(first, 'presence-lobby');
        await subscribed(first, 'reload-ch');
        await rx.until(() => named(rx.events(), 'member_added').length === 1 &&
                             named(rx.events(), 'channel_occupied').length === 2);
        first.disconnect();  // the page unloads ...
        await until(async () => {  // ... and the server has seen it leave
            const r = await sdk.get({ path: '/channels/reload-ch' });
            return (await r.json()).occupied === false;
        }, 'the channel empty');
        const second = client(srv.port, 'rita');  // ... and loads again, within the grace
        clients.push(second);
        await connected(second);
        await subscribed(second, 'presence-lobby');
        await subscribed(second, 'reload-ch');
        // A marker that leaves after the reload: its vacated fires after anything the reload
        // could have caused (same grace, later start, one request at a time to the URL).
        const marker = client(srv.port);
        clients.push(marker);
        await connected(marker);
        await subscribed(marker, 'marker');
        marker.disconnect();
        await rx.until(() => named(rx.events(), 'channel_vacated', 'marker').length === 1);
        const before = rx.events();
        assert.equal(named(before, 'channel_vacated', 'reload-ch').length, 0, JSON.stringify(before));
        assert.equal(named(before, 'member_removed').length, 0, JSON.stringify(before));
        assert.equal(named(before, 'channel_occupied', 'reload-ch').length, 1);
        assert.equal(named(before, 'member_added').length, 1);

        second.disconnect();  // gone for good
        await rx.until(() => named(rx.events(), 'channel_vacated', 'reload-ch').length === 1 &&
                             named(rx.events(), 'member_removed').length === 1);
        const after = rx.events();
        once(after, 'member_removed', 'presence-lobby', (e) => e.user_id === 'rita');
        once(after, 'channel_vacated', 'presence-lobby');
        assertAllValid(rx);
    } finally {
        disconnectAll(...clients);
        assert.equal((await srv.stop()).code, 0, srv.logs());
        await rx.close();
    }
});

test('webhooks: kill -9 of a worker removes nobody still connected or back within the grace',
     async () => {
    const rx = await startReceiver({ apps: [APP] });
    const srv = await serve(hooked([{ url: rx.url() }]), ['--webhook-grace-ms', '5000']);
    const clients = [];
    const open = (user) => { const c = client(srv.port, user); clients.push(c); return c; };
    try {
        // kim on both workers; lee on one.
        const kims = [];
        while (new Set(kims.map((c) => slotOf(c.connection.socket_id))).size < 2) {
            const c = open('kim');
            await connected(c);
            kims.push(c);
            assert.ok(kims.length < 40, 'connections reach both workers');
        }
        const kimOn = (s) => kims.find((c) => slotOf(c.connection.socket_id) === s);
        const victim = slotOf(kims[0].connection.socket_id);
        let lee;
        do {
            lee = open('lee');
            await connected(lee);
        } while (slotOf(lee.connection.socket_id) !== victim);
        for (const c of [kimOn(0), kimOn(1), lee]) await subscribed(c, 'presence-k');
        await rx.until(() => named(rx.events(), 'member_added').length === 2);

        const leeBack = new Promise((resolve) => lee.channel('presence-k')
            .bind('pusher:subscription_succeeded', resolve));
        const oldLee = lee.connection.socket_id;
        const pid = workerPids(srv.port)[victim];
        process.kill(pid, 'SIGKILL');
        await leeBack;  // pusher-js reconnected and subscribed again
        assert.notEqual(lee.connection.socket_id, oldLee);

        // A marker user who joins and leaves now: its removal comes after any removal the kill
        // could have caused (same grace, later start).
        const zed = open('zed');
        await connected(zed);
        await subscribed(zed, 'presence-k');
        zed.disconnect();
        await rx.until(() => named(rx.events(), 'member_removed').length >= 1, 20000);
        const got = rx.events();
        assert.deepEqual(named(got, 'member_removed').map((e) => e.user_id), ['zed'],
                         JSON.stringify(got));
        assert.deepEqual(named(got, 'member_added').map((e) => e.user_id).sort(),
                         ['kim', 'lee', 'zed']);
        assert.equal(named(got, 'channel_vacated').length, 0);
        assertAllValid(rx);
    } finally {
        disconnectAll(...clients);
        assert.equal((await srv.stop()).code, 0, srv.logs());
        await rx.close();
    }
});

test('webhooks: a receiver that answers 500 then 200 gets the same request again, once more',
     async () => {
    const rx = await startReceiver({ apps: [APP], respond: (i) => (i === 0 ? 500 : 200) });
    const srv = await serve(hooked([{ url: rx.url() }]));
    const c = client(srv.port);
    try {
        await connected(c);
        await subscribed(c, 'retry-ch');
        await rx.until(() => rx.events().length === 1);
        assert.equal(rx.requests.length, 2);
        assert.deepEqual(rx.requests.map((r) => r.status), [500, 200]);
        assert.equal(rx.requests[1].body, rx.requests[0].body, 'the same batch, resent');
        assert.deepEqual(rx.events(), [{ name: 'channel_occupied', channel: 'retry-ch' }]);
        assertAllValid(rx);
        const m = (await scrape(srv.port)).values;
        assert.equal(m.get('shoal_webhook_requests_failed_total'), 1);
        assert.equal(m.get('shoal_webhook_requests_retried_total'), 1);
        assert.equal(m.get('shoal_webhook_requests_sent_total'), 1);
        assert.equal(m.get('shoal_webhook_events_sent_total'), 1);
        assert.equal(m.get('shoal_webhook_queue_batches'), 0);
        assert.equal(m.get('shoal_webhook_leader'), 1);
    } finally {
        disconnectAll(c);
        assert.equal((await srv.stop()).code, 0, srv.logs());
        await rx.close();
    }
});

test('webhooks: a hanging receiver delays no client and the queue stays within its bound',
     async () => {
    const rx = await startReceiver({ apps: [APP], respond: () => 'hang' });
    const queueBytes = 65536;
    const srv = await serve(
        hooked([{ url: rx.url(), event_types: ['client_event', 'channel_occupied'] }],
               { max_client_events_per_second: 10000 }),
        ['--webhook-queue-bytes', String(queueBytes), '--webhook-timeout-ms', '60000',
         '--webhook-batch-max', '20']);
    const clients = [];
    try {
        const reader = client(srv.port);
        const writer = client(srv.port, 'w');
        clients.push(reader, writer);
        await Promise.all(clients.map(connected));
        const { ch: news } = await subscribed(reader, 'news');
        const { ch: chat } = await subscribed(writer, 'private-chat');
        await rx.until(() => rx.requests.length === 1);  // the first request hangs from now on
        const got = [];
        news.bind('ev', (d) => got.push(d.n));
        const sdk = serverSdk(srv.port);
        const pad = 'x'.repeat(500);
        for (let n = 0; n < 200; n++) {
            chat.trigger('client-bulk', { n, pad });  // each a client_event webhook
            await sdk.trigger('news', 'ev', { n });
        }
        await waitFor(() => got.length === 200, 20000, 'every event to the client');
        assert.deepEqual(got, [...Array(200).keys()]);
        let m;
        await waitFor(() => false, 0).catch(() => {});
        for (;;) {
            m = (await scrape(srv.port)).values;
            if (m.get('shoal_webhook_requests_dropped_total{reason="overflow"}') > 0) break;
        }
        // One batch may be in flight beyond the bound: at most 20 events of ~600 bytes.
        assert.ok(m.get('shoal_webhook_queue_bytes') <= queueBytes + 20 * 700,
                  `queue bytes ${m.get('shoal_webhook_queue_bytes')}`);
        assert.equal(m.get('shoal_webhook_requests_sent_total'), 0);
        assert.equal(rx.requests.length, 1, 'one request at a time to a URL that does not answer');
    } finally {
        disconnectAll(...clients);
        assert.equal((await srv.stop()).code, 0, srv.logs());
        await rx.close();
    }
});

test('webhooks: a reload with a new secret and URL signs and routes with them',
     async () => {
    let current = { ...APP };
    const rx = await startReceiver({ apps: () => [current] });
    const srv = await serve(hooked([{ url: rx.url('/before') }]));
    const clients = [];
    try {
        const c = client(srv.port);
        clients.push(c);
        await connected(c);
        await subscribed(c, 'one');
        await rx.until(() => rx.events('/before').length === 1);
        writeApps(srv.appsFile, [{ ...hooked([{ url: rx.url('/after') }]), secret: 'rotated' }]);
        current = { ...APP, secret: 'rotated' };
        process.kill(srv.proc.pid, 'SIGHUP');
        await waitFor(() => srv.logs().includes('apps reloaded'), 5000, 'the reload');
        await subscribed(c, 'two');
        await rx.until(() => rx.events('/after').length === 1);
        assert.deepEqual(rx.events('/after'), [{ name: 'channel_occupied', channel: 'two' }]);
        assertAllValid(rx);  // each checked with the secret current when it arrived
    } finally {
        disconnectAll(...clients);
        assert.equal((await srv.stop()).code, 0, srv.logs());
        await rx.close();
    }
});
