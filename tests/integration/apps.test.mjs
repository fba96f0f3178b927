// SPDX-License-Identifier: MIT
// test-labels: integration worker
// Several apps on one server (--apps), with the real clients over two workers: isolation (the
// same channel name in two apps never crosses, on either worker, whichever protocol), admission
// (unknown key 4001, disabled app 4003, a host-wide connection quota 4004, an Origin the app does
// not allow 403), and per-app limits and secrets.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { startShoal, waitFor } from '../clients/shoal_server.mjs';
import { appClient, appSdk, closeCode, rawSocket, slotOfSocket, writeApps } from '../clients/app_clients.mjs';
import { connected, disconnectAll, subscribed } from '../clients/pusher_clients.mjs';
import { connectPhoenix, join as phxJoin } from '../clients/phoenix_client.mjs';
import { scrape } from '../clients/metrics_client.mjs';
import Echo from 'laravel-echo';
import Pusher from 'pusher-js';

const A = { id: 'a1', key: 'key-a', secret: 'secret-a' };
const B = { id: 'b1', key: 'key-b', secret: 'secret-b', enable_client_events: true,
            max_channels_per_event: 2, allowed_origins: ['https://ok.example'] };
const C = { id: 'c1', key: 'key-c', secret: 'secret-c', enabled: false };
const D = { id: 'd1', key: 'key-d', secret: 'secret-d', max_connections: 2 };

async function withServer(fn) {
    const dir = mkdtempSync(pathJoin(tmpdir(), 'shoal-apps-'));
    const file = pathJoin(dir, 'apps.json');
    writeApps(file, [A, B, C, D]);
    const srv = await startShoal({ mode: 'serve', workers: 2, args: ['--apps', file] });
    try {
        await fn(srv);
    } finally {
        await srv.stop();
        rmSync(dir, { recursive: true, force: true });
    }
}

// pusher-js clients of app until it has some on both workers.
async function clientsOnBothWorkers(port, app, opened) {
    const mine = [];
    for (let i = 0; i < 40; ++i) {
        const c = appClient(port, app);
        opened.push(c);
        mine.push(c);
        await connected(c);
        const slots = new Set(mine.map((x) => slotOfSocket(x.connection.socket_id)));
        if (mine.length >= 3 && slots.size === 2) return mine;
    }
    throw new Error(`no ${app.id} clients on both workers`);
}

// A Pusher message's data, which Pusher sends as a JSON string or (pusher:error) an object.
const dataOf = (text) => {
    const d = JSON.parse(text).data;
    return typeof d === 'string' ? JSON.parse(d) : d;
};

const pusherUrl = (port, key) => `ws://127.0.0.1:${port}/app/${key}?protocol=7&client=js&version=8.4.0`;

test('apps: the same channel name in three apps never crosses, on any worker or client', async () => {
    await withServer(async (srv) => {
        const opened = [];
        let phx;
        let echo;
        try {
            const a = await clientsOnBothWorkers(srv.port, A, opened);
            const b = await clientsOnBothWorkers(srv.port, B, opened);
            const got = new Map();
            for (const c of [...a, ...b]) {
                const { ch } = await subscribed(c, 'news');
                got.set(c, []);
                ch.bind_global((event) => { if (!event.startsWith('pusher')) got.get(c).push(event); });
            }
            phx = connectPhoenix(srv.port, { app: B.key });
            const phxNews = phx.channel('news');
            await phxJoin(phxNews);
            const phxGot = [];
            phxNews.onMessage = (event, payload) => {
                if (!event.startsWith('phx_') && !event.startsWith('chan_reply')) phxGot.push(event);
                return payload;
            };
            // Laravel Echo on a third app (D), listening to the raw event names.
            echo = new Echo({ broadcaster: 'pusher', Pusher, key: D.key, cluster: 'mt1',
                              wsHost: '127.0.0.1', wsPort: srv.port, forceTLS: false,
                              enabledTransports: ['ws'], disableStats: true });
            const echoGot = [];
            let echoSubscribed = false;
            const echoNews = echo.channel('news').subscribed(() => { echoSubscribed = true; });
            for (const e of ['from-a', 'from-b', 'end-a', 'from-d'])
                echoNews.listen(`.${e}`, () => echoGot.push(e));
            await waitFor(() => echoSubscribed, 5000, 'echo subscribed');

            // One keep-alive connection for both SDKs: one worker writes all three events to its
            // ring in this order, and every worker reads that ring in order, so an event that
            // crossed apps would arrive before the marker that ends the wait.
            const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
            const sdkA = appSdk(srv.port, A, agent);
            const sdkB = appSdk(srv.port, B, agent);
            await sdkA.trigger('news', 'from-a', { n: 1 });
            await sdkB.trigger('news', 'from-b', { n: 2 });
            await sdkA.trigger('news', 'end-a', {});
            await appSdk(srv.port, D, agent).trigger('news', 'from-d', {});
            await waitFor(() => a.every((c) => got.get(c).includes('end-a')) &&
                                b.every((c) => got.get(c).includes('from-b')) &&
                                phxGot.includes('from-b') && echoGot.includes('from-d'), 5000,
                          'every client got its events');
            assert.deepEqual(echoGot, ['from-d']);
            for (const c of a) assert.deepEqual(got.get(c), ['from-a', 'end-a']);
            for (const c of b) assert.deepEqual(got.get(c), ['from-b']);
            assert.deepEqual(phxGot, ['from-b']);

            // Channel queries count one app's subscribers only.
            const count = async (sdk) => (await (await sdk.get({
                path: '/channels/news', params: { info: 'subscription_count' } })).json())
                .subscription_count;
            await waitFor(async () => (await count(sdkA)) === a.length &&
                                      (await count(sdkB)) === b.length + 1, 5000, 'counts');
            const listA = await (await sdkA.get({ path: '/channels' })).json();
            assert.deepEqual(Object.keys(listA.channels), ['news']);

            // The API: an unknown app id is 404; another app's secret is 401.
            const wrong = appSdk(srv.port, { id: 'zz', key: A.key, secret: A.secret });
            await assert.rejects(wrong.get({ path: '/channels' }), (e) => e.status === 404);
            const forged = appSdk(srv.port, { id: A.id, key: A.key, secret: B.secret });
            await assert.rejects(forged.trigger('news', 'x', {}), (e) => e.status === 401);
            agent.destroy();
        } finally {
            phx?.disconnect();
            echo?.disconnect();
            disconnectAll(...opened);
        }
    });
});

test('apps: unknown key 4001, disabled app 4003, quota 4004 host-wide, Origin 403', async () => {
    await withServer(async (srv) => {
        const sockets = [];
        try {
            const unknown = await rawSocket(pusherUrl(srv.port, 'nope'));
            assert.equal(dataOf(unknown.first).code, 4001);
            assert.equal(await closeCode(unknown.socket), 4001);
            const disabled = await rawSocket(pusherUrl(srv.port, C.key));
            assert.equal(dataOf(disabled.first).code, 4003);
            assert.equal(await closeCode(disabled.socket), 4003);
            const phxUnknown = await rawSocket(
                `ws://127.0.0.1:${srv.port}/socket/websocket?vsn=2.0.0&app=nope`);
            assert.equal(phxUnknown.code, 4001);
            const phxDisabled = await rawSocket(
                `ws://127.0.0.1:${srv.port}/socket/websocket?vsn=2.0.0&app=${C.key}`);
            assert.equal(phxDisabled.code, 4003);

            // D allows 2 connections on the host: one per worker, then a third is refused.
            const first = await rawSocket(pusherUrl(srv.port, D.key));
            sockets.push(first.socket);
            const slot0 = slotOfSocket(dataOf(first.first).socket_id);
            let second = null;
            for (let i = 0; i < 100 && !second; ++i) {
                const r = await rawSocket(pusherUrl(srv.port, D.key));
                if (!r.socket) continue;  // 4004 while an earlier try on slot0 is still counted
                const data = dataOf(r.first);
                if (data.socket_id && slotOfSocket(data.socket_id) !== slot0) {
                    second = r.socket;
                } else {
                    r.socket.close();
                    await closeCode(r.socket);
                }
            }
            assert.ok(second, 'a second connection of D on the other worker');
            sockets.push(second);
            // The quota is counted through a topic of D's, which is no channel.
            assert.equal((await scrape(srv.port)).values.get('shoal_channels'), 0);
            for (let i = 0; i < 4; ++i) {  // whichever worker takes it, the host is full
                const over = await rawSocket(pusherUrl(srv.port, D.key));
                assert.equal(dataOf(over.first).code, 4004);
                assert.equal(await closeCode(over.socket), 4004);
            }

            // B allows one browser origin; a client without Origin is not a browser.
            assert.equal((await rawSocket(pusherUrl(srv.port, B.key),
                                          { Origin: 'https://evil.example' })).status, 403);
            assert.equal((await rawSocket(`ws://127.0.0.1:${srv.port}/socket/websocket?vsn=2.0.0&app=${B.key}`,
                                          { Origin: 'https://evil.example' })).status, 403);
            for (const headers of [{ Origin: 'https://ok.example' }, {}]) {
                const ok = await rawSocket(pusherUrl(srv.port, B.key), headers);
                assert.equal(JSON.parse(ok.first).event, 'pusher:connection_established');
                sockets.push(ok.socket);
            }
        } finally {
            for (const s of sockets) s.close();
        }
    });
});

test('apps: client events, event size and channels per event are each app\'s', async () => {
    await withServer(async (srv) => {
        const sockets = [];
        const open = async (app) => {
            const r = await rawSocket(pusherUrl(srv.port, app.key));
            sockets.push(r.socket);
            const socketId = dataOf(r.first).socket_id;
            const inbox = [];
            r.socket.on('message', (m) => inbox.push(JSON.parse(m.toString())));
            const auth = appSdk(srv.port, app).authorizeChannel(socketId, 'private-room').auth;
            r.socket.send(JSON.stringify({ event: 'pusher:subscribe',
                                           data: { channel: 'private-room', auth } }));
            await waitFor(() => inbox.some((m) => m.event === 'pusher_internal:subscription_succeeded'),
                          5000, `${app.id} subscribed`);
            return { ws: r.socket, inbox };
        };
        try {
            const a1 = await open(A);
            a1.ws.send(JSON.stringify({ event: 'client-x', channel: 'private-room', data: {} }));
            await waitFor(() => a1.inbox.some((m) => m.event === 'pusher:error'), 5000, 'refusal');
            const err = a1.inbox.find((m) => m.event === 'pusher:error');
            assert.equal(err.data.code, 4303);
            assert.match(err.data.message, /not enabled/);

            const b1 = await open(B), b2 = await open(B);
            b1.ws.send(JSON.stringify({ event: 'client-x', channel: 'private-room', data: { n: 1 } }));
            await waitFor(() => b2.inbox.some((m) => m.event === 'client-x'), 5000, 'client event');

            const sdkB = appSdk(srv.port, B);
            await assert.rejects(sdkB.trigger(['a', 'b', 'c'], 'e', {}), (e) => e.status === 400);
            await sdkB.trigger(['a', 'b'], 'e', {});
            const sdkA = appSdk(srv.port, A);
            await sdkA.trigger(['a', 'b', 'c'], 'e', {});  // A keeps Pusher's 100
        } finally {
            for (const s of sockets) s.close();
        }
    });
});
