// SPDX-License-Identifier: MIT
// test-labels: integration worker
// Channel history and recovery over the Pusher protocol (docs/history.md) on a two-worker host:
// every event of a history channel carries its position (offset, epoch), subscription_succeeded
// says where live delivery starts, a subscribe with "recover" gets exactly the missed events in
// order before any live one and is told whether that was complete, a position of another epoch
// or one older than the window says recovered: false, channels without history are unchanged,
// and the signed HTTP history route answers from the same store.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { startShoal, waitFor } from '../clients/shoal_server.mjs';
import { appSdk, writeApps } from '../clients/app_clients.mjs';
import { connectPhoenix, join as phxJoin } from '../clients/phoenix_client.mjs';
import { openSse } from '../clients/fallback_clients.mjs';
import { rawPusher as rawPusherOf } from '../clients/history_clients.mjs';

const APP = { id: 'h1', key: 'key-h', secret: 'secret-h', enable_client_events: true,
              history: { events: 5, seconds: 300, channel_prefix: 'feed-' } };

// Every channel of this one keeps history.
const ALL = { id: 'h2', key: 'key-all', secret: 'secret-all', enable_client_events: true,
              history: { events: 100 } };

async function withServer(fn, app = APP) {
    const dir = mkdtempSync(pathJoin(tmpdir(), 'shoal-history-'));
    const file = pathJoin(dir, 'apps.json');
    writeApps(file, [APP, ALL]);
    const srv = await startShoal({ mode: 'serve', workers: 2, args: ['--apps', file] });
    try {
        await fn(srv, appSdk(srv.port, app));
    } finally {
        await srv.stop();
        rmSync(dir, { recursive: true, force: true });
    }
}

const rawPusher = (port, app = APP) => rawPusherOf(port, app);

const trigger = (sdk, channel, n) => sdk.trigger(channel, 'tick', { n });

test('history: positions, exact recovery before live events, recovered flags, no history elsewhere', async () => {
    await withServer(async (srv, sdk) => {
        const a = await rawPusher(srv.port);
        const ok = await a.subscribe('feed-1');
        assert.equal(ok.data.position.offset, 0, 'a new channel starts at offset 0');
        const epoch = ok.data.position.epoch;
        assert.match(epoch, /^[0-9a-f]{16}$/);
        assert.equal(ok.data.recovered, undefined, 'no recovered flag when none was asked');
        for (let n = 1; n <= 3; ++n) await trigger(sdk, 'feed-1', n);
        await waitFor(() => a.events('feed-1').length === 3, 5000, 'three live events');
        assert.deepEqual(a.events('feed-1').map((m) => m.position), [1, 2, 3].map((offset) => ({ offset, epoch })));

        // Another client that saw offset 1 gets 2 and 3, then live 4, each once, in order.
        const b = await rawPusher(srv.port);
        const rb = await b.subscribe('feed-1', { offset: 1, epoch });
        assert.equal(rb.data.recovered, true);
        assert.equal(rb.data.position.offset, 3);
        await trigger(sdk, 'feed-1', 4);
        await waitFor(() => b.events('feed-1').length >= 3 && a.events('feed-1').length === 4, 5000, 'recovered + live');
        const seen = b.got.filter((m) => m.channel === 'feed-1').map((m) => m.event === 'tick' ? m.position.offset : m.event);
        assert.deepEqual(seen, ['pusher_internal:subscription_succeeded', 2, 3, 4]);
        assert.deepEqual(b.events('feed-1').map((m) => JSON.parse(JSON.stringify(m.data)).n), [2, 3, 4]);

        // Nothing missed: recovered, nothing resent.
        const c = await rawPusher(srv.port);
        const rc = await c.subscribe('feed-1', { offset: 4, epoch });
        assert.equal(rc.data.recovered, true);
        // Another epoch (a restarted host's): told, and served what this stream holds.
        const d = await rawPusher(srv.port);
        const rd = await d.subscribe('feed-1', { offset: 2, epoch: '0123456789abcdef' });
        assert.equal(rd.data.recovered, false);
        await waitFor(() => d.events('feed-1').length === 4, 5000, 'the whole stream');
        assert.deepEqual(d.events('feed-1').map((m) => m.position.offset), [1, 2, 3, 4]);

        // Older than the window (5 events): recovered false, the newest 5 in order.
        for (let n = 5; n <= 10; ++n) await trigger(sdk, 'feed-1', n);
        await waitFor(() => a.events('feed-1').length === 10, 5000, 'ten live events');
        const e = await rawPusher(srv.port);
        const re = await e.subscribe('feed-1', { offset: 2, epoch });
        assert.equal(re.data.recovered, false);
        await waitFor(() => e.events('feed-1').length === 5, 5000, 'the window');
        assert.deepEqual(e.events('feed-1').map((m) => m.position.offset), [6, 7, 8, 9, 10]);
        await waitFor(() => c.events('feed-1').length >= 6, 5000, 'live 5..10 at c');
        assert.deepEqual(c.events('feed-1').map((m) => m.position.offset), [5, 6, 7, 8, 9, 10],
                         'the client with nothing missed got only 5..10, live');

        // A channel outside the prefix keeps no history: no position anywhere.
        const plain = await a.subscribe('other');
        assert.deepEqual(plain.data, {});
        await trigger(sdk, 'other', 1);
        await waitFor(() => a.events('other').length === 1, 5000, 'plain event');
        assert.equal(a.events('other')[0].position, undefined);

        // A malformed recover is refused with a pusher:error, and the connection goes on.
        a.ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'feed-2', recover: { offset: -1 } } }));
        await waitFor(() => a.got.find((m) => m.event === 'pusher:error'), 5000, 'pusher:error');
        for (const x of [a, b, c, d, e]) x.close();
    });
});

test('history: a client event on a history channel is sequenced, skips its sender, and is recoverable', async () => {
    await withServer(async (srv, sdk) => {
        const a = await rawPusher(srv.port, ALL);
        const b = await rawPusher(srv.port, ALL);
        const ch = 'private-feed-x';
        for (const x of [a, b]) {
            const sid = x.got[0].data.socket_id;
            const auth = sdk.authorizeChannel(sid, ch).auth;
            x.ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: ch, auth } }));
        }
        for (const x of [a, b]) await waitFor(() => x.got.find((m) => m.channel === ch && m.event.endsWith('succeeded')), 5000, 'subscribed');
        a.ws.send(JSON.stringify({ event: 'client-note', channel: ch, data: { from: 'a' } }));
        await waitFor(() => b.events(ch).length === 1, 5000, 'the client event at b');
        const [ev] = b.events(ch);
        assert.equal(ev.event, 'client-note');
        assert.deepEqual(ev.data, { from: 'a' });
        assert.equal(ev.position.offset, 1);
        // Its sender never gets it back: a later server event is the first a sees.
        await trigger(sdk, ch, 2);
        await waitFor(() => a.events(ch).length === 1 && b.events(ch).length === 2, 5000, 'the trigger');
        assert.deepEqual(a.events(ch).map((m) => m.position.offset), [2]);
        // Recoverable like any event of the channel.
        const c = await rawPusher(srv.port, ALL);
        const sid = c.got[0].data.socket_id;
        c.ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: ch, auth: sdk.authorizeChannel(sid, ch).auth,
                                                                   recover: { offset: 0, epoch: ev.position.epoch } } }));
        await waitFor(() => c.events(ch).length === 2, 5000, 'recovered client event');
        assert.deepEqual(c.events(ch).map((m) => [m.event, m.position.offset]), [['client-note', 1], ['tick', 2]]);
        for (const x of [a, b, c]) x.close();
    }, ALL);
});

test('history: a recovered client event on a presence channel keeps its user_id', async () => {
    await withServer(async (srv, sdk) => {
        const ch = 'presence-feed-u';
        const join = (x, user) => {
            const sid = x.got[0].data.socket_id;
            const { auth, channel_data } = sdk.authorizeChannel(sid, ch, { user_id: user });
            x.ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: ch, auth, channel_data } }));
            return waitFor(() => x.got.find((m) => m.channel === ch && m.event.endsWith('succeeded')), 5000, `${user} joined`);
        };
        const a = await rawPusher(srv.port, ALL);
        const b = await rawPusher(srv.port, ALL);
        await join(a, 'alice');
        await join(b, 'bob');
        a.ws.send(JSON.stringify({ event: 'client-note', channel: ch, data: { from: 'a' } }));
        await waitFor(() => b.events(ch).some((m) => m.event === 'client-note'), 5000, 'live client event');
        const live = b.events(ch).find((m) => m.event === 'client-note');
        assert.equal(live.user_id, 'alice');
        // Recovered from the store, it is the same message: the user id included.
        const c = await rawPusher(srv.port, ALL);
        const sid = c.got[0].data.socket_id;
        const { auth, channel_data } = sdk.authorizeChannel(sid, ch, { user_id: 'carol' });
        c.ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: ch, auth, channel_data,
                                                                   recover: { offset: 0, epoch: live.position.epoch } } }));
        await waitFor(() => c.events(ch).some((m) => m.event === 'client-note'), 5000, 'recovered client event');
        const recovered = c.events(ch).find((m) => m.event === 'client-note');
        assert.equal(recovered.user_id, 'alice');
        assert.deepEqual(recovered.position, live.position);
        assert.deepEqual(recovered.data, { from: 'a' });
        for (const x of [a, b, c]) x.close();
    }, ALL);
});

test('history: GET /apps/{id}/channels/{name}/history is signed and answers from the store', async () => {
    await withServer(async (srv, sdk) => {
        for (let n = 1; n <= 7; ++n) await trigger(sdk, 'feed-h', n);
        const body = async (res) => JSON.parse(await res.text());
        // A trigger's 200 means accepted; the supervisor sequences it on its next poll.
        let all = await body(await sdk.get({ path: '/channels/feed-h/history' }));
        for (let tries = 0; all.latest !== 7 && tries < 500; ++tries)
            all = await body(await sdk.get({ path: '/channels/feed-h/history' }));
        assert.match(all.epoch, /^[0-9a-f]{16}$/);
        assert.equal(all.latest, 7);
        assert.equal(all.complete, false, 'offsets 1 and 2 are beyond the 5-event window');
        assert.deepEqual(all.events.map((e) => e.offset), [3, 4, 5, 6, 7]);
        assert.deepEqual(JSON.parse(all.events[0].data), { n: 3 });
        assert.equal(all.events[0].name, 'tick');
        const since = await body(await sdk.get({ path: '/channels/feed-h/history', params: { since: 4, limit: 2 } }));
        assert.deepEqual(since.events.map((e) => e.offset), [6, 7]);
        assert.equal(since.complete, false, 'offset 5 is not in the answer');
        const exact = await body(await sdk.get({ path: '/channels/feed-h/history', params: { since: 5 } }));
        assert.equal(exact.complete, true);
        await assert.rejects(sdk.get({ path: '/channels/other/history' }), (e) => e.status === 404);
        await assert.rejects(sdk.get({ path: '/channels/feed-h/history', params: { limit: 'x' } }), (e) => e.status === 400);
        const unsigned = await fetch(`http://127.0.0.1:${srv.port}/apps/${APP.id}/channels/feed-h/history`);
        assert.equal(unsigned.status, 401);
    });
});

// phoenix.js with join params: the reply says where live delivery starts and whether recovery
// was complete; positions arrive as each message's ref ("<epoch>:<offset>").
function phoenixFeed(port, topic, params = {}) {
    const socket = connectPhoenix(port, { app: APP.key });
    const ch = socket.channel(topic, params);
    const got = [];
    ch.onMessage = (event, payload, ref) => {
        if (!event.startsWith('phx_') && !event.startsWith('chan_reply')) got.push({ event, payload, ref });
        return payload;
    };
    return { socket, ch, got, joined: phxJoin(ch) };
}

test('history: phoenix.js join params {since} recover exactly the missed messages, in order', async () => {
    await withServer(async (srv, sdk) => {
        const a = phoenixFeed(srv.port, 'feed-p');
        const ra = await a.joined;
        assert.equal(ra.position.offset, 0);
        const epoch = ra.position.epoch;
        assert.equal(ra.recovered, undefined);
        for (let n = 1; n <= 3; ++n) await trigger(sdk, 'feed-p', n);
        await waitFor(() => a.got.length === 3, 5000, 'three messages');
        assert.deepEqual(a.got.map((m) => m.ref), [1, 2, 3].map((o) => `${epoch}:${o}`));
        assert.deepEqual(a.got.map((m) => m.payload.n), [1, 2, 3]);

        const b = phoenixFeed(srv.port, 'feed-p', { since: { offset: 1, epoch } });
        const rb = await b.joined;
        assert.equal(rb.recovered, true);
        assert.equal(rb.position.offset, 3);
        await trigger(sdk, 'feed-p', 4);
        await waitFor(() => b.got.length === 3, 5000, 'recovered and live');
        assert.deepEqual(b.got.map((m) => m.payload.n), [2, 3, 4]);

        for (let n = 5; n <= 12; ++n) await trigger(sdk, 'feed-p', n);
        await waitFor(() => a.got.length === 12, 5000, 'twelve messages');
        const c = phoenixFeed(srv.port, 'feed-p', { since: { offset: 2, epoch } });
        const rc = await c.joined;
        assert.equal(rc.recovered, false, 'older than the 5-event window');
        await waitFor(() => c.got.length === 5, 5000, 'the window');
        assert.deepEqual(c.got.map((m) => m.payload.n), [8, 9, 10, 11, 12]);

        const d = phoenixFeed(srv.port, 'feed-p', { since: { offset: 'x' } });
        await assert.rejects(d.joined, (e) => /since/.test(e.reply.reason));
        for (const x of [a, b, c, d]) x.socket.disconnect();
    });
});

test('history: an SSE stream resumes from Last-Event-ID "<epoch>:<offset>" through the host store', async () => {
    await withServer(async (srv, sdk) => {
        const sse = (headers = {}) => openSse(srv.port, 'channel=feed-s', headers, APP.key);
        const ticks = (s) => s.events.filter((e) => e.event === 'tick');
        const first = await sse();
        await waitFor(() => first.events.length === 1, 5000, 'the history status');
        assert.equal(first.events[0].event, 'shoal:history');
        assert.equal(first.events[0].id, undefined, 'the status carries no id');
        const epoch = first.events[0].data.position.epoch;
        for (let n = 1; n <= 3; ++n) await trigger(sdk, 'feed-s', n);
        await waitFor(() => ticks(first).length === 3, 5000, 'three events');
        assert.deepEqual(ticks(first).map((e) => e.id), [1, 2, 3].map((o) => `${epoch}:${o}`));
        first.close();
        // Missed while away: 4 and 5. A resumed stream (on whichever worker) gets exactly those.
        for (let n = 4; n <= 5; ++n) await trigger(sdk, 'feed-s', n);
        const again = await sse({ 'Last-Event-ID': `${epoch}:3` });
        await waitFor(() => ticks(again).length === 2, 5000, 'the missed events');
        assert.equal(again.events[0].event, 'shoal:history');
        assert.equal(again.events[0].data.recovered, true);
        await trigger(sdk, 'feed-s', 6);
        await waitFor(() => ticks(again).length === 3, 5000, 'live after recovery');
        assert.deepEqual(ticks(again).map((e) => JSON.parse(e.data.data).n), [4, 5, 6]);
        // Older than the window: told so.
        const old = await sse({ 'Last-Event-ID': `${epoch}:0` });
        await waitFor(() => ticks(old).length === 5, 5000, 'the window');
        assert.equal(old.events[0].data.recovered, false);
        assert.deepEqual(ticks(old).map((e) => JSON.parse(e.data.data).n), [2, 3, 4, 5, 6]);
        again.close();
        old.close();
    });
});
