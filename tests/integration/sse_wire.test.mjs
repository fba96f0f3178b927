// SPDX-License-Identifier: MIT
// test-labels: integration worker
// test-timeout: 120
// Server-Sent Events on the wire (GET /app/{key}/sse): refusals (unknown key, no channel, too many
// channels, missing or forged auth), HTTP API triggers and Phoenix pushes reaching streams on
// both workers, private and presence channels signed like Pusher channel auth, Last-Event-ID
// replay, and streams cleaned up when the client goes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startShoal, shoalStatus, waitFor } from '../clients/shoal_server.mjs';
import { serverSdk, pusherClient, connected, subscribed, disconnectAll } from '../clients/pusher_clients.mjs';
import { openSse, httpRequest } from '../clients/fallback_clients.mjs';
import { connectPhoenix, join } from '../clients/phoenix_client.mjs';

// The presence channel's users once the HTTP API reports `count` of them (the replica on the
// answering worker converges through the bus).
async function usersOf(sdk, channel, count) {
    const deadline = Date.now() + 5000;
    for (;;) {
        const users = (await (await sdk.get({ path: `/channels/${channel}/users` })).json()).users;
        if (users.length === count || Date.now() > deadline) return users;
        await new Promise((r) => setTimeout(r, 20));
    }
}

// subscription_count of a channel, host-wide. Each worker's SSE history of a channel counts as
// one subscriber while it lives (docs/fallback_transports.md).
async function subCount(sdk, channel) {
    const r = await sdk.get({ path: `/channels/${channel}`, params: { info: 'subscription_count' } });
    return (await r.json()).subscription_count ?? 0;
}

async function waitCount(sdk, channel, want, what) {
    const deadline = Date.now() + 5000;
    for (;;) {
        const n = await subCount(sdk, channel);
        if (n === want) return;
        if (Date.now() > deadline) throw new Error(`${what}: subscription_count ${n}, want ${want}`);
        await new Promise((r) => setTimeout(r, 20));
    }
}


test('sse: refusals answer 404/400/401 before any stream', async () => {
    const srv = await startShoal({ mode: 'serve', workers: 2 });
    try {
        const sdk = serverSdk(srv.port);
        const get = (path) => httpRequest(srv.port, 'GET', path);
        assert.equal((await get('/app/nope/sse?channel=a')).status, 404);
        assert.equal((await get('/app/app-key/sse')).status, 400);
        const many = Array.from({ length: 101 }, (_, i) => `channel=c${i}`).join('&');
        assert.equal((await get(`/app/app-key/sse?${many}`)).status, 400);
        assert.equal((await get('/app/app-key/sse?channel=private-a')).status, 401);
        const forged = sdk.authorizeChannel('1.2', 'private-b').auth;
        assert.equal((await get(`/app/app-key/sse?socket_id=1.2&channel=private-a&auth=${encodeURIComponent(forged)}`)).status, 401);
        assert.equal((await get('/app/app-key/sse?channel=%23server-to-user-x')).status, 400);
        // Presence needs a user_id in the signed channel_data.
        const cd = JSON.stringify({ user_info: {} });
        const pa = encodeURIComponent(sdk.authorizeChannel('1.2', 'presence-x', { user_info: {} }).auth);
        assert.equal((await get(`/app/app-key/sse?socket_id=1.2&channel=presence-x&auth=${pa}&channel_data=${encodeURIComponent(cd)}`)).status, 400);
    } finally {
        await srv.stop();
    }
});

test('sse: triggers, private and presence channels and Phoenix pushes reach streams on both workers', async () => {
    const srv = await startShoal({ mode: 'serve', workers: 2 });
    const streams = [];
    try {
        const sdk = serverSdk(srv.port);
        const sid = '123.456';
        const auth = encodeURIComponent(sdk.authorizeChannel(sid, 'private-news').auth);
        const cd = JSON.stringify({ user_id: 'u1', user_info: { name: 'Ann' } });
        const pauth = encodeURIComponent(sdk.authorizeChannel(sid, 'presence-room', { user_id: 'u1', user_info: { name: 'Ann' } }).auth);
        const q = `socket_id=${sid}&channel=pub&channel=private-news&auth=${auth}` +
                  `&channel=presence-room&auth=${pauth}&channel_data=${encodeURIComponent(cd)}&channel=room:lobby`;
        // Streams are connections of their workers, counted by status: open them until both
        // workers hold some (the kernel picks the worker of each connection).
        const bothHold = () => shoalStatus(srv.port).slots.every((s) => s.connections >= 1);
        while (streams.length < 4 || (!bothHold() && streams.length < 16)) {
            streams.push(await openSse(srv.port, q));
            await waitFor(() => streams.at(-1).retry === 1000, 5000, 'the preamble');
        }
        await waitFor(bothHold, 5000, 'streams on both workers');
        for (const s of streams) assert.equal(s.status, 200);
        assert.match(streams[0].headers['content-type'], /^text\/event-stream/);
        assert.equal(streams[0].headers['access-control-allow-origin'], '*');  // cross-origin pages
        assert.match(streams[0].headers['cache-control'], /no-cache/);
        // Presence: the stream's user is a member, for the HTTP API too.
        assert.deepEqual(await usersOf(sdk, 'presence-room', 1), [{ id: 'u1' }]);

        await sdk.trigger('pub', 'greet', { n: 1 });
        await sdk.trigger('private-news', 'flash', 'line1\nline2');
        const phx = connectPhoenix(srv.port);
        const ch = phx.channel('room:lobby', {});
        await join(ch);
        ch.push('shout', { body: 'hi' });
        for (const s of streams) {
            await waitFor(() => s.events.filter((e) => !e.event.startsWith('pusher_internal')).length === 3, 5000, 'three events');
            const [a, b, c] = s.events.filter((e) => !e.event.startsWith('pusher_internal'));
            assert.deepEqual([a.event, a.data.channel, JSON.parse(a.data.data)], ['greet', 'pub', { n: 1 }]);
            assert.deepEqual([b.event, b.data.channel, b.data.data], ['flash', 'private-news', 'line1\nline2']);
            assert.deepEqual([c.event, c.data.channel, JSON.parse(c.data.data)], ['shout', 'room:lobby', { body: 'hi' }]);
            assert.ok(BigInt(a.id) < BigInt(b.id), 'ids increase');
            // The same publish has one id on every stream (encoded once).
            assert.equal(a.id, streams[0].events.find((e) => e.event === 'greet').id);
        }
        phx.disconnect();
        for (const s of streams) s.close();
        // What stays is each worker's history of the channel.
        await waitCount(sdk, 'pub', 2, 'streams cleaned up');
        assert.deepEqual(await usersOf(sdk, 'presence-room', 0), []);
    } finally {
        for (const s of streams) s.close?.();
        await srv.stop();
    }
});

test('sse: a stream reopened with Last-Event-ID gets what it missed, then live events', async () => {
    const srv = await startShoal({ mode: 'serve', workers: 1 });
    try {
        const sdk = serverSdk(srv.port);
        const first = await openSse(srv.port, 'channel=feed&channel=other');
        await waitFor(() => first.retry !== null, 5000, 'preamble');
        await sdk.trigger('feed', 'e', '1');
        await waitFor(() => first.events.length === 1, 5000, 'event 1');
        first.close();
        await waitCount(sdk, 'feed', 1, 'stream gone, history kept');
        await sdk.trigger('feed', 'e', '2');
        await sdk.trigger('other', 'e', '3');
        await sdk.trigger('feed', 'e', '4');
        const again = await openSse(srv.port, 'channel=feed&channel=other', { 'Last-Event-ID': first.events[0].id });
        await waitFor(() => again.events.length === 3, 5000, 'three missed events');
        assert.deepEqual(again.events.map((e) => e.data.data), ['2', '3', '4']);
        await sdk.trigger('feed', 'e', '5');
        await waitFor(() => again.events.length === 4, 5000, 'the live event');
        assert.equal(again.events[3].data.data, '5');
        // Without Last-Event-ID nothing is replayed.
        const fresh = await openSse(srv.port, 'channel=feed');
        await sdk.trigger('feed', 'e', '6');
        await waitFor(() => fresh.events.length === 1, 5000, 'only the live event');
        assert.equal(fresh.events[0].data.data, '6');
        again.close();
        fresh.close();
    } finally {
        await srv.stop();
    }
});

test('sse: a pusher-js client event on a private channel reaches its streams on both workers', async () => {
    const srv = await startShoal({ mode: 'serve', workers: 2 });
    const streams = [];
    const client = pusherClient(srv.port);
    try {
        const sdk = serverSdk(srv.port);
        const sid = '7.77';
        const q = `socket_id=${sid}&channel=private-chat&auth=${encodeURIComponent(sdk.authorizeChannel(sid, 'private-chat').auth)}`;
        const bothHold = () => shoalStatus(srv.port).slots.every((s) => s.connections >= 1);
        while (streams.length < 2 || (!bothHold() && streams.length < 16)) {
            streams.push(await openSse(srv.port, q));
            await waitFor(() => streams.at(-1).retry === 1000, 5000, 'the preamble');
        }
        await connected(client);
        const { ch } = await subscribed(client, 'private-chat');
        ch.trigger('client-typing', { who: 'ann' });
        for (const s of streams) {
            await waitFor(() => s.events.length === 1, 5000, 'the client event');
            assert.equal(s.events[0].event, 'client-typing');
            assert.deepEqual(JSON.parse(s.events[0].data.data), { who: 'ann' });
        }
    } finally {
        disconnectAll(client);
        for (const s of streams) s.close?.();
        await srv.stop();
    }
});
