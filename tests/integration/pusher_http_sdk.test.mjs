// SPDX-License-Identifier: MIT
// test-labels: integration worker
// The `pusher` server SDK 5 against one standalone worker: trigger (channels, socket_id
// exclusion, info), triggerBatch, channel queries, users, terminate, and the error statuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import PusherServer from 'pusher';
import { startShoal, APP } from '../clients/shoal_server.mjs';
import { pusherClient, serverSdk, connected, subscribed, nextEvent, disconnectAll, waitFor } from '../clients/pusher_clients.mjs';

let srv;
before(async () => { srv = await startShoal({ mode: 'worker' }); });
after(async () => { await srv.stop(); });

async function status(promise) {
    try { return (await promise).status; } catch (e) { return e.status; }
}

test('trigger to several channels excludes the given socket_id and returns info', async () => {
    const a = pusherClient(srv.port), b = pusherClient(srv.port);
    try {
        const [idA] = await Promise.all([connected(a), connected(b)]);
        const [{ ch: chA }, { ch: chB }] = await Promise.all([subscribed(a, 'news'), subscribed(b, 'news')]);
        let gotA = false;
        chA.bind('flash', () => { gotA = true; });
        const gotB = nextEvent(chB, 'flash');
        const res = await serverSdk(srv.port).trigger(['news', 'sports'], 'flash', { n: 1 },
                                                      { socket_id: idA, info: 'subscription_count' });
        assert.equal(res.status, 200);
        const body = await res.json();
        assert.equal(body.channels.news.subscription_count, 2);
        assert.deepEqual((await gotB).data, { n: 1 });
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(gotA, false);
    } finally { disconnectAll(a, b); }
});

test('triggerBatch delivers every event of the batch', async () => {
    const c = pusherClient(srv.port);
    try {
        await connected(c);
        const { ch } = await subscribed(c, 'batch');
        const seen = [];
        ch.bind_global((name, data) => { if (!name.startsWith('pusher')) seen.push([name, data]); });
        const res = await serverSdk(srv.port).triggerBatch([
            { channel: 'batch', name: 'one', data: { i: 1 } },
            { channel: 'batch', name: 'two', data: { i: 2 } },
        ]);
        assert.equal(res.status, 200);
        await waitFor(() => seen.length === 2);
        assert.deepEqual(seen, [['one', { i: 1 }], ['two', { i: 2 }]]);
    } finally { disconnectAll(c); }
});

test('channel queries: channels, one channel, presence users', async () => {
    const a = pusherClient(srv.port, { presence: { user_id: 'ann' } });
    const b = pusherClient(srv.port, { presence: { user_id: 'bob' } });
    try {
        await Promise.all([connected(a), connected(b)]);
        await Promise.all([subscribed(a, 'presence-q'), subscribed(b, 'presence-q'), subscribed(a, 'plain-q')]);
        const sdk = serverSdk(srv.port);
        const all = await (await sdk.get({ path: '/channels' })).json();
        assert.ok('presence-q' in all.channels && 'plain-q' in all.channels);
        const pres = await (await sdk.get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' } })).json();
        assert.deepEqual(pres.channels, { 'presence-q': { user_count: 2 } });
        const one = await (await sdk.get({ path: '/channels/presence-q', params: { info: 'user_count,subscription_count' } })).json();
        assert.deepEqual(one, { occupied: true, subscription_count: 2, user_count: 2 });
        const users = await (await sdk.get({ path: '/channels/presence-q/users' })).json();
        assert.deepEqual(users.users.map((u) => u.id).sort(), ['ann', 'bob']);
        const empty = await (await sdk.get({ path: '/channels/nobody' })).json();
        assert.equal(empty.occupied, false);
    } finally { disconnectAll(a, b); }
});

test('terminateUserConnections closes the signed-in user\'s connection with 4009', async () => {
    const c = pusherClient(srv.port, { user: { id: 'term-1' } });
    try {
        await connected(c);
        c.signin();
        await c.user.signinDonePromise;
        const socket = c.connection.connection.transport.socket;
        const err = nextEvent(c.connection, 'error');
        const res = await serverSdk(srv.port).terminateUserConnections('term-1');
        assert.equal(res.status, 200);
        assert.equal((await err).data.data.code, 4009);
        await waitFor(() => c.connection.state === 'disconnected');
        clearTimeout(socket._closeTimer);  // see pusher_js.test.mjs: faye's close timer
    } finally { disconnectAll(c); }
});

test('a wrong secret is 401, data over 10 KB is 413, a bad channel name is 400', async () => {
    const wrong = new PusherServer({ appId: APP.id, key: APP.key, secret: 'wrong', host: '127.0.0.1',
                                     port: String(srv.port), useTLS: false });
    assert.equal(await status(wrong.trigger('news', 'x', {})), 401);
    const sdk = serverSdk(srv.port);
    assert.equal(await status(sdk.trigger('news', 'x', 'y'.repeat(11 * 1024))), 413);
    // The SDK checks channel names itself, so this goes through its raw post.
    assert.equal(await status(sdk.post({ path: '/events', body: { name: 'x', channel: 'bad name', data: '{}' } })), 400);
    assert.equal(await status(sdk.post({ path: '/batch_events', body: { batch: 'nope' } })), 400);
    assert.equal(await status(sdk.get({ path: '/channels/plain/users' })), 400);
});
