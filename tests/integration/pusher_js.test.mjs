// SPDX-License-Identifier: MIT
// test-labels: integration worker
// pusher-js 8, unchanged, against one standalone worker: public, private and presence channels,
// client events and signin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startShoal, sleep } from '../clients/shoal_server.mjs';
import { pusherClient, serverSdk, connected, subscribed, nextEvent, disconnectAll, releaseClosedSocket,
         socketOf, waitFor } from '../clients/pusher_clients.mjs';

let srv;
before(async () => { srv = await startShoal({ mode: 'worker' }); });
after(async () => { await srv.stop(); });

test('pusher-js connects and gets an N.N socket id', async () => {
    const c = pusherClient(srv.port);
    try {
        const id = await connected(c);
        assert.match(id, /^\d+\.\d+$/);
    } finally { disconnectAll(c); }
});

test('an unknown app key fails with pusher:error 4001 and no reconnect', async () => {
    const c = pusherClient(srv.port, { key: 'nope' });
    try {
        const { data } = await nextEvent(c.connection, 'error');
        assert.equal(data.error.data.code, 4001);  // refused during the handshake
        await sleep(300);
        assert.equal(c.connection.state, 'disconnected');
    } finally { disconnectAll(c); }
});

test('a public channel receives events triggered through the HTTP API', async () => {
    const c = pusherClient(srv.port);
    try {
        await connected(c);
        const { ch } = await subscribed(c, 'news');
        const got = nextEvent(ch, 'update');
        await serverSdk(srv.port).trigger('news', 'update', { headline: 'hi' });
        assert.deepEqual((await got).data, { headline: 'hi' });
    } finally { disconnectAll(c); }
});

test('a private channel with a valid signature subscribes; client events reach others only', async () => {
    const a = pusherClient(srv.port), b = pusherClient(srv.port);
    try {
        await Promise.all([connected(a), connected(b)]);
        const [{ ch: cha }, { ch: chb }] = await Promise.all([subscribed(a, 'private-room'), subscribed(b, 'private-room')]);
        let echoed = false;
        cha.bind('client-typing', () => { echoed = true; });
        const got = nextEvent(chb, 'client-typing');
        assert.ok(cha.trigger('client-typing', { who: 'a' }));
        assert.deepEqual((await got).data, { who: 'a' });
        await sleep(100);
        assert.equal(echoed, false);
    } finally { disconnectAll(a, b); }
});

test('a forged private-channel signature gets subscription_error AuthError 401', async () => {
    const c = pusherClient(srv.port, { forgeAs: 'private-other' });
    try {
        await connected(c);
        const ch = c.subscribe('private-secret');
        const { data } = await nextEvent(ch, 'pusher:subscription_error');
        assert.equal(data.type, 'AuthError');
        assert.equal(data.status, 401);
    } finally { disconnectAll(c); }
});

test('presence: members, member_added once per user, member_removed when the last connection leaves', async () => {
    const ann = pusherClient(srv.port, { presence: { user_id: 'ann', user_info: { name: 'Ann' } } });
    const bob1 = pusherClient(srv.port, { presence: { user_id: 'bob', user_info: { name: 'Bob' } } });
    const bob2 = pusherClient(srv.port, { presence: { user_id: 'bob', user_info: { name: 'Bob' } } });
    try {
        await Promise.all([connected(ann), connected(bob1), connected(bob2)]);
        const { ch } = await subscribed(ann, 'presence-lobby');
        assert.equal(ch.members.count, 1);
        let added = 0, removed = 0;
        ch.bind('pusher:member_added', (m) => { added++; assert.equal(m.id, 'bob'); assert.deepEqual(m.info, { name: 'Bob' }); });
        ch.bind('pusher:member_removed', () => { removed++; });
        const r1 = await subscribed(bob1, 'presence-lobby');
        assert.equal(r1.ch.members.count, 2);
        assert.deepEqual(r1.ch.members.get('ann').info, { name: 'Ann' });
        await subscribed(bob2, 'presence-lobby');
        await sleep(100);
        assert.equal(added, 1);
        assert.equal(ch.members.count, 2);
        bob1.disconnect();
        await sleep(200);
        assert.equal(removed, 0);
        const gone = nextEvent(ch, 'pusher:member_removed');
        bob2.disconnect();
        assert.equal((await gone).data.id, 'bob');
        assert.equal(ch.members.count, 1);
    } finally { disconnectAll(ann, bob1, bob2); }
});

test('presence client events carry the sender user_id', async () => {
    const a = pusherClient(srv.port, { presence: { user_id: 'u-a' } });
    const b = pusherClient(srv.port, { presence: { user_id: 'u-b' } });
    try {
        await Promise.all([connected(a), connected(b)]);
        const [{ ch: cha }, { ch: chb }] = await Promise.all([subscribed(a, 'presence-game'), subscribed(b, 'presence-game')]);
        const got = nextEvent(chb, 'client-move');
        cha.trigger('client-move', { x: 1 });
        const { data, meta } = await got;
        assert.deepEqual(data, { x: 1 });
        assert.equal(meta.user_id, 'u-a');
    } finally { disconnectAll(a, b); }
});

test('more than 10 client events a second get pusher:error 4301', async () => {
    const a = pusherClient(srv.port);
    try {
        await connected(a);
        const { ch } = await subscribed(a, 'private-flood');
        const err = nextEvent(a.connection, 'error');
        for (let i = 0; i < 15; i++) ch.trigger('client-x', { i });
        assert.equal((await err).data.data.code, 4301);
    } finally { disconnectAll(a); }
});

test('signin succeeds and the user receives sendToUser; terminate_connections ends it', async () => {
    const c = pusherClient(srv.port, { user: { id: 'user-9', name: 'Nine' } });
    try {
        await connected(c);
        c.signin();
        await c.user.signinDonePromise;
        assert.equal(c.user.user_data.id, 'user-9');
        await sleep(100);  // pusher-js subscribes to its #server-to-user channel after signin
        const got = nextEvent(c.user, 'greeting');
        await serverSdk(srv.port).sendToUser('user-9', 'greeting', { hello: 1 });
        assert.deepEqual((await got).data, { hello: 1 });
        const socket = socketOf(c);
        const closed = nextEvent(c.connection, 'error');
        await serverSdk(srv.port).terminateUserConnections('user-9');
        assert.equal((await closed).data.data.code, 4009);
        await waitFor(() => c.connection.state === 'disconnected');  // 4009 is final: no reconnect
        releaseClosedSocket(socket);
    } finally { disconnectAll(c); }
});
