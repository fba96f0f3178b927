// SPDX-License-Identifier: MIT
// test-labels: integration worker
// test-timeout: 90
// One namespace: an HTTP API trigger to a name reaches pusher-js subscribers and phoenix.js members
// of that name on every worker, and a Phoenix push reaches Pusher subscribers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Pusher from 'pusher';
import PusherJS from 'pusher-js';
import { startShoal, APP } from '../clients/shoal_server.mjs';
import { connectPhoenix, join, push, nextEvent, userToken, waitFor, Presence } from '../clients/phoenix_client.mjs';
import { slotOf } from '../clients/cross_worker_clients.mjs';

function pusherClient(port) {
    return new PusherJS(APP.key, { wsHost: '127.0.0.1', wsPort: port, forceTLS: false,
                                   enabledTransports: ['ws'], cluster: 'mt1' });
}

function nextPusherEvent(channel, event, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${event}`)), timeoutMs);
        channel.bind(event, (data) => { clearTimeout(t); resolve(data); });
    });
}

test('one namespace: a trigger reaches Pusher and Phoenix clients of the same name on two workers', async () => {
    const srv = await startShoal({ mode: 'serve', workers: 2 });
    const api = new Pusher({ appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1',
                             port: String(srv.port), useTLS: false });
    let px;
    let pj;
    const spare = [];
    try {
        // The Phoenix client learns its worker from its own presence meta ("F<slot>.<epoch>.<conn>");
        // pusher-js clients are opened until one is on another worker (its socket id names the slot).
        px = connectPhoenix(srv.port, { token: userToken('probe') });
        const probe = px.channel('presence:probe', {});
        const presence = new Presence(probe);
        await join(probe);
        await waitFor(() => presence.list().length === 1, 5000, 'the probe presence');
        const pxSlot = Number(presence.list((_id, { metas }) => metas[0].phx_ref)[0].slice(1).split('.')[0]);
        for (let tries = 0; ; tries++) {
            assert.ok(tries < 30, 'pusher-js never reached the other worker');
            pj = pusherClient(srv.port);
            await new Promise((r) => pj.connection.bind('connected', r));
            if (slotOf(pj.connection.socket_id) !== pxSlot) break;
            spare.push(pj);
        }
        const sub = pj.subscribe('news');
        await new Promise((r) => sub.bind('pusher:subscription_succeeded', r));
        const ch = px.channel('news', {});
        await join(ch);

        const toPusher = nextPusherEvent(sub, 'flash');
        const toPhoenix = nextEvent(ch, 'flash');
        await api.trigger('news', 'flash', { msg: 'hello', n: 1 });
        assert.deepEqual(await toPusher, { msg: 'hello', n: 1 });
        assert.deepEqual(await toPhoenix, { msg: 'hello', n: 1 });

        const shout = nextPusherEvent(sub, 'shout');
        await push(ch, 'shout', { body: 'from phoenix' });
        assert.deepEqual(await shout, { body: 'from phoenix' });
    } finally {
        for (const c of spare) c.disconnect();
        pj?.disconnect();
        px?.disconnect();
        await srv.stop();
    }
});
