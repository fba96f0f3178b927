// SPDX-License-Identifier: MIT
// test-labels: integration worker fault
// test-timeout: 180
// Recovery across a worker's death, with the real clients: pusher-js (with the repository's
// pusher_recovery helper) and phoenix.js (join params {since} from a closure) subscribed to a
// history channel while a publisher triggers 400 events; the worker holding them is killed with
// SIGKILL mid-stream; they reconnect (to another worker, or its restarted successor) and each
// ends with every event exactly once and in order. A disconnect longer than the window ends
// with recovered: false, reported to the application.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import Pusher from 'pusher-js';
import { startShoal, shoalStatus, waitFor } from '../clients/shoal_server.mjs';
import { appSdk, slotOfSocket, writeApps } from '../clients/app_clients.mjs';
import { connectPhoenix, join as phxJoin } from '../clients/phoenix_client.mjs';
import { withRecovery } from '../clients/pusher_recovery.mjs';

const APP = { id: 'k1', key: 'key-k', secret: 'secret-k', history: { events: 1000, seconds: 300 } };
const SMALL = { id: 'k2', key: 'key-small', secret: 'secret-small', history: { events: 10 } };

async function withServer(fn) {
    const dir = mkdtempSync(pathJoin(tmpdir(), 'shoal-history-kill-'));
    const file = pathJoin(dir, 'apps.json');
    writeApps(file, [APP, SMALL]);
    const srv = await startShoal({ mode: 'serve', workers: 2, args: ['--apps', file] });
    try {
        await fn(srv);
    } finally {
        await srv.stop();
        rmSync(dir, { recursive: true, force: true });
    }
}

function pusherWithRecovery(port, app, onRecovery) {
    return withRecovery(new Pusher(app.key, {
        wsHost: '127.0.0.1', wsPort: port, forceTLS: false, enabledTransports: ['ws'],
        cluster: 'mt1', disableStats: true,
    }), { onRecovery });
}

// A phoenix.js member whose rejoin names the last position it received.
function phoenixMember(port, topic) {
    const socket = connectPhoenix(port, { app: APP.key });
    let last = null;
    const got = [];
    const ch = socket.channel(topic, () => (last ? { since: last } : {}));
    ch.on('tick', (payload, ref) => {
        got.push(payload.n);
        const at = ref.lastIndexOf(':');
        last = { epoch: ref.slice(0, at), offset: Number(ref.slice(at + 1)) };
    });
    return { socket, ch, got, joined: phxJoin(ch) };
}

const slotOf = (client) => slotOfSocket(client.connection.socket_id);

test('history: kill -9 of the worker holding the clients mid-stream loses and repeats nothing', async () => {
    await withServer(async (srv) => {
        // A connection per request: the kill falls between two requests, so none is in flight
        // on the dead worker and none is left ambiguous (sent twice or lost).
        const sdk = appSdk(srv.port, APP, new http.Agent({ keepAlive: false }));
        const channel = 'feed-kill';
        const total = 400;
        const pushers = [];
        const received = [];
        const verdicts = [];
        for (let i = 0; i < 12; ++i) {
            const p = pusherWithRecovery(srv.port, APP, (ch, ok) => verdicts.push(ok));
            const got = [];
            p.subscribe(channel).bind('tick', (d) => got.push(d.n));
            pushers.push(p);
            received.push(got);
        }
        const phoenix = Array.from({ length: 6 }, () => phoenixMember(srv.port, channel));
        await Promise.all(phoenix.map((m) => m.joined));
        await waitFor(() => pushers.every((p) => p.channel(channel)?.subscribed), 10000, 'subscribed');
        // The worker holding the most pusher-js clients is the one to kill.
        const bySlot = [0, 1].map((s) => pushers.filter((p) => slotOf(p) === s).length);
        const victimSlot = bySlot[0] >= bySlot[1] ? 0 : 1;
        assert.ok(bySlot[victimSlot] > 0);
        const victimPid = shoalStatus(srv.port).slots[victimSlot].pid;
        const victims = pushers.filter((p) => slotOf(p) === victimSlot);

        let killed = false;
        for (let n = 1; n <= total; ++n) {
            await sdk.trigger(channel, 'tick', { n });
            if (n === 120) {
                process.kill(victimPid, 'SIGKILL');
                killed = true;
            }
        }
        assert.ok(killed);
        // The channel's order is the sequencer's (offsets 1..total), read back from the store;
        // requests through different workers may be sequenced in either order.
        const read = async () => JSON.parse(await (await sdk.get({
            path: `/channels/${channel}/history`, params: { limit: total } })).text());
        let stored = await read();
        for (let tries = 0; stored.latest !== total && tries < 500; ++tries) stored = await read();
        assert.equal(stored.latest, total);
        assert.equal(stored.complete, true);
        const want = stored.events.map((e) => JSON.parse(e.data).n);
        assert.deepEqual([...want].sort((a, b) => a - b), Array.from({ length: total }, (_, i) => i + 1));
        await waitFor(() => received.every((g) => g.length >= total) &&
                            phoenix.every((m) => m.got.length >= total), 60000, 'every event everywhere');
        for (const g of received) assert.deepEqual(g, want, 'pusher-js: once each, in order');
        for (const m of phoenix) assert.deepEqual(m.got, want, 'phoenix.js: once each, in order');
        // The killed worker's clients did come back, on a live worker, and were told they
        // recovered completely.
        for (const p of victims) assert.equal(p.connection.state, 'connected');
        assert.ok(verdicts.length >= victims.length, `verdicts ${verdicts.length}`);
        assert.ok(verdicts.every((ok) => ok === true));
        for (const p of pushers) p.disconnect();
        for (const m of phoenix) m.socket.disconnect();
    });
});

test('history: a disconnect longer than the window ends with recovered: false, told to the app', async () => {
    await withServer(async (srv) => {
        const sdk = appSdk(srv.port, SMALL);
        const channel = 'feed-long';
        const verdicts = [];
        const p = pusherWithRecovery(srv.port, SMALL, (ch, ok) => verdicts.push([ch, ok]));
        const got = [];
        p.subscribe(channel).bind('tick', (d) => got.push(d.n));
        await waitFor(() => p.channel(channel)?.subscribed, 5000, 'subscribed');
        for (let n = 1; n <= 3; ++n) await sdk.trigger(channel, 'tick', { n });
        await waitFor(() => got.length === 3, 5000, 'three events');
        p.disconnect();
        await waitFor(() => p.connection.state === 'disconnected', 5000, 'disconnected');
        for (let n = 4; n <= 20; ++n) await sdk.trigger(channel, 'tick', { n });
        p.connect();
        await waitFor(() => verdicts.length === 1 && got.length === 13, 10000, 'the verdict and the window');
        assert.deepEqual(verdicts, [[channel, false]]);
        assert.deepEqual(got, [1, 2, 3, ...Array.from({ length: 10 }, (_, i) => 11 + i)]);
        p.disconnect();
    });
});
