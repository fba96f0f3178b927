// SPDX-License-Identifier: MIT
// test-labels: integration worker
// Laravel Echo 2 (pusher broadcaster, pusher-js passed in) against one standalone worker: listen,
// whisper, and presence here/joining/leaving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Echo from 'laravel-echo';
import Pusher from 'pusher-js';
import { startShoal, APP } from '../clients/shoal_server.mjs';
import { serverSdk, waitFor } from '../clients/pusher_clients.mjs';

let srv;
before(async () => { srv = await startShoal({ mode: 'worker' }); });
after(async () => { await srv.stop(); });

function makeEcho(user) {
    const sdk = serverSdk(srv.port);
    return new Echo({
        broadcaster: 'pusher', Pusher, key: APP.key, cluster: 'mt1',
        wsHost: '127.0.0.1', wsPort: srv.port, forceTLS: false, enabledTransports: ['ws'],
        disableStats: true,
        channelAuthorization: {
            customHandler: ({ socketId, channelName }, cb) =>
                cb(null, sdk.authorizeChannel(socketId, channelName,
                                              channelName.startsWith('presence-')
                                                  ? { user_id: user.id, user_info: user } : undefined)),
        },
    });
}

const connectedEcho = (echo) => waitFor(() => echo.connector.pusher.connection.state === 'connected');

test('echo listen receives a Laravel-namespaced event triggered through the HTTP API', async () => {
    const echo = makeEcho({ id: 'u1' });
    try {
        await connectedEcho(echo);
        let got = null;
        let subscribed = false;
        echo.channel('orders').subscribed(() => { subscribed = true; })
            .listen('OrderShipped', (e) => { got = e; });
        await waitFor(() => subscribed);
        await serverSdk(srv.port).trigger('orders', 'App\\Events\\OrderShipped', { id: 7 });
        await waitFor(() => got !== null);
        assert.deepEqual(got, { id: 7 });
    } finally { echo.disconnect(); }
});

test('echo whisper reaches the other listener on a private channel', async () => {
    const a = makeEcho({ id: 'a' }), b = makeEcho({ id: 'b' });
    try {
        await Promise.all([connectedEcho(a), connectedEcho(b)]);
        let subA = false, subB = false, got = null;
        const chA = a.private('chat').subscribed(() => { subA = true; });
        b.private('chat').subscribed(() => { subB = true; }).listenForWhisper('typing', (e) => { got = e; });
        await waitFor(() => subA && subB);
        chA.whisper('typing', { name: 'a' });
        await waitFor(() => got !== null);
        assert.deepEqual(got, { name: 'a' });
    } finally { a.disconnect(); b.disconnect(); }
});

test('echo presence: here lists members, joining and leaving follow them', async () => {
    const ann = makeEcho({ id: 'ann', name: 'Ann' }), bob = makeEcho({ id: 'bob', name: 'Bob' });
    try {
        await Promise.all([connectedEcho(ann), connectedEcho(bob)]);
        let here = null;
        const joined = [], left = [];
        ann.join('room').here((users) => { here = users; })
            .joining((u) => joined.push(u)).leaving((u) => left.push(u));
        await waitFor(() => here !== null);
        assert.deepEqual(here, [{ id: 'ann', name: 'Ann' }]);
        let bobHere = null;
        bob.join('room').here((users) => { bobHere = users; });
        await waitFor(() => bobHere !== null && joined.length === 1);
        assert.equal(bobHere.length, 2);
        assert.deepEqual(joined[0], { id: 'bob', name: 'Bob' });
        bob.leave('room');
        await waitFor(() => left.length === 1);
        assert.deepEqual(left[0], { id: 'bob', name: 'Bob' });
    } finally { ann.disconnect(); bob.disconnect(); }
});
