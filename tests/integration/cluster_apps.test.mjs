// SPDX-License-Identifier: MIT
// test-labels: integration cluster
// Two apps on two hosts linked by a real redis-server: an event published on one host reaches
// only its own app's subscribers on the other, and a presence channel of one name is two member
// lists, one per app, across hosts. Both would fail if a Redis record lost the app id.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { startShoal, waitFor } from '../clients/shoal_server.mjs';
import { startRedis } from '../clients/redis_server.mjs';
import { appClient, appSdk, writeApps } from '../clients/app_clients.mjs';
import { connected, disconnectAll, subscribed } from '../clients/pusher_clients.mjs';

const A = { id: 'a1', key: 'key-a', secret: 'secret-a' };
const B = { id: 'b1', key: 'key-b', secret: 'secret-b' };

test('cluster apps: one channel name, two apps, two hosts: nothing crosses apps', async () => {
    const dir = mkdtempSync(pathJoin(tmpdir(), 'shoal-capps-'));
    const file = pathJoin(dir, 'apps.json');
    writeApps(file, [A, B]);
    const redis = await startRedis();
    const hosts = [];
    const opened = [];
    const open = (port, app, user) => {
        const c = appClient(port, app, { user });
        opened.push(c);
        return c;
    };
    try {
        for (let i = 0; i < 2; ++i) {
            const h = await startShoal({ mode: 'serve', workers: 1,
                                         args: ['--apps', file, '--cluster', redis.url] });
            hosts.push(h);
            await waitFor(() => h.logs().includes('subscribed to'), 5000, 'the host on redis');
        }
        const [one, two] = hosts;

        // Subscribers of "news" in both apps on host one; the publisher on host two.
        const a = open(one.port, A), b = open(one.port, B);
        const got = new Map([[a, []], [b, []]]);
        for (const c of [a, b]) {
            await connected(c);
            const { ch } = await subscribed(c, 'news');
            ch.bind_global((event) => { if (!event.startsWith('pusher')) got.get(c).push(event); });
        }
        // One connection for both SDKs: host two writes the three events in this order, and its
        // bridge relays them in that order, so a crossing event would precede the one awaited.
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const sdkA = appSdk(two.port, A, agent), sdkB = appSdk(two.port, B, agent);
        await waitFor(async () => {
            await sdkA.trigger('news', 'probe', {});  // until host two knows host one's subscribers
            return got.get(a).includes('probe');
        }, 10000, 'host one reached');
        await sdkA.trigger('news', 'from-a', {});
        await sdkB.trigger('news', 'from-b', {});
        await sdkA.trigger('news', 'end-a', {});
        await waitFor(() => got.get(a).includes('end-a') && got.get(b).includes('from-b'), 5000,
                      'both apps got their events');
        assert.deepEqual(got.get(a).filter((e) => e !== 'probe'), ['from-a', 'end-a']);
        assert.deepEqual(got.get(b), ['from-b']);

        // presence-room: ann (A, host one) and bob (A, host two) are one list; cat (B, host two)
        // is alone in B's.
        const ann = open(one.port, A, 'ann');
        await connected(ann);
        await subscribed(ann, 'presence-room');
        const bob = open(two.port, A, 'bob');
        await connected(bob);
        const { ch: bobRoom } = await subscribed(bob, 'presence-room');
        await waitFor(() => bobRoom.members.count === 2, 5000, 'ann across hosts');
        const cat = open(two.port, B, 'cat');
        await connected(cat);
        const { ch: catRoom } = await subscribed(cat, 'presence-room');
        assert.equal(catRoom.members.count, 1);
        assert.deepEqual(Object.keys(catRoom.members.members), ['cat']);
        const sdkB1 = appSdk(one.port, B);
        const usersOf = async () => {
            try {
                return (await (await sdkB1.get({ path: '/channels/presence-room/users' })).json()).users;
            } catch (e) {
                throw new Error(`users query: ${e.message} ${e.error ?? ''} ${e.status ?? ''} ${e.body ?? ''}`);
            }
        };
        await waitFor(async () => (await usersOf()).length === 1, 5000, 'B users');
        assert.deepEqual((await usersOf()).map((u) => u.id), ['cat']);
        agent.destroy();
    } finally {
        disconnectAll(...opened);
        for (const h of hosts) await h.stop();
        await redis.kill();
        rmSync(dir, { recursive: true, force: true });
    }
});
