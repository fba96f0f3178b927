// SPDX-License-Identifier: MIT
// test-labels: integration cluster
// test-timeout: 180
// Two (and for a while three) `shoal serve --workers 2` hosts linked by a real redis-server on a
// loopback port, driven by pusher-js and the pusher server SDK: a trigger crosses to the other
// host once (one Redis message per host, not per worker) and is never echoed back; client events
// and #server-to-user cross; presence is one member list across hosts (member_added/removed once
// per user) and the HTTP API answers for the cluster; terminate_connections reaches the other
// host; kill -9 of a whole host removes its members within its heartbeat timeout; a Redis
// restart keeps local delivery going, and both hosts deliver and show presence again afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { APP, startShoal, sleep, workerPids } from '../clients/shoal_server.mjs';
import { scrape } from '../clients/metrics_client.mjs';
import { startRedis } from '../clients/redis_server.mjs';
import { client, connected, serverSdk, subscribed, waitFor } from
    '../clients/cross_worker_clients.mjs';
import { connectPhoenix, join, userToken, Presence } from '../clients/phoenix_client.mjs';

const CHANNEL = 'shoal:app-id:bus';  // "shoal:" + app id + ":bus" (docs/cluster.md)
let redis = null;
let hostA = null;
let hostB = null;
const clients = [];

function hostArgs(timeoutMs = 3000) {
    return ['--cluster', redis.url, '--cluster-host-timeout-ms', String(timeoutMs)];
}

async function startHost(timeoutMs) {
    const h = await startShoal({ mode: 'serve', workers: 2, args: hostArgs(timeoutMs) });
    await waitFor(() => h.logs().includes('subscribed to'), 5000, 'the host on redis');
    return h;
}

function open(port, user = null) {
    const c = client(port, user);
    clients.push(c);
    return c;
}

// A SIGKILLed worker whose supervisor died too stays a zombie until init reaps it, and
// kill(pid, 0) still succeeds on a zombie: only a running process counts as alive.
function alive(pid) {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch { return false; }
}

// A raw Redis subscriber on the cluster channel: counts the messages that carry `marker`.
async function channelTap(port) {
    const s = net.connect({ host: '127.0.0.1', port });
    await new Promise((r) => s.once('connect', r));
    s.write(`SUBSCRIBE ${CHANNEL}\r\n`);
    let buf = Buffer.alloc(0);
    const messages = [];
    s.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        // Each push is *3 $7 message $len channel $len payload; take whole ones only.
        for (;;) {
            const m = /^\*3\r\n\$(\d+)\r\n(\w+)\r\n\$(\d+)\r\n/.exec(buf.toString('latin1', 0, 64));
            if (!m) break;
            let at = m[0].length + Number(m[3]) + 2;
            const hdr = /^:\d+\r\n|^\$(\d+)\r\n/.exec(buf.toString('latin1', at, at + 24));
            if (!hdr) break;
            const len = hdr[1] === undefined ? 0 : Number(hdr[1]);
            const end = at + hdr[0].length + len + (hdr[1] === undefined ? 0 : 2);
            if (buf.length < end) break;
            if (m[2] === 'message') messages.push(buf.subarray(at + hdr[0].length, end - 2));
            buf = buf.subarray(end);
            at = 0;
        }
    });
    return {
        count: (marker) => messages.filter((p) => p.includes(marker)).length,
        close: () => s.destroy(),
    };
}

before(async () => {
    redis = await startRedis();
    hostA = await startHost();
    hostB = await startHost();
});

after(async () => {
    for (const c of clients) c.disconnect();
    const pids = [hostA, hostB].filter(Boolean).flatMap((h) => {
        try { return workerPids(h.port); } catch { return []; }
    });
    for (const h of [hostA, hostB]) if (h) assert.equal((await h.stop()).code, 0, h.logs());
    await waitFor(() => pids.every((p) => !alive(p)), 3000, 'no worker survives its host');
    if (redis) await redis.kill();
});

test('cluster: a trigger on one host reaches every subscriber on both hosts exactly once',
     async () => {
    const tap = await channelTap(redis.port);
    const onA = Array.from({ length: 6 }, () => open(hostA.port));
    const onB = Array.from({ length: 6 }, () => open(hostB.port));
    const all = [...onA, ...onB];
    await Promise.all(all.map(connected));
    const got = all.map(() => []);
    await Promise.all(all.map(async (c, i) => {
        const { ch } = await subscribed(c, 'news');
        ch.bind('ev', (d) => got[i].push(d.n));
    }));
    await sleep(200);
    const sdkA = serverSdk(hostA.port);
    const sdkB = serverSdk(hostB.port);
    for (let n = 0; n < 5; n++) await sdkA.trigger('news', 'ev', { n, marker: `mark-a-${n}` });
    // Events of one publisher arrive in order; two publishers on two hosts are not ordered
    // against each other (A's event 4 crosses Redis while B's trigger is local), so B publishes
    // once A's events are everywhere.
    await waitFor(() => got.every((g) => g.length === 5), 5000, "A's five events on every client");
    await sdkB.trigger('news', 'ev', { n: 5, marker: 'mark-b-5' });
    await waitFor(() => got.every((g) => g.length === 6), 5000, 'six events on every client');
    await sleep(300);  // a duplicate (an echo, or one per worker) would arrive by now
    for (const g of got) assert.deepEqual(g, [0, 1, 2, 3, 4, 5]);
    // One message on Redis per event, although each host runs two workers.
    for (let n = 0; n < 5; n++) assert.equal(tap.count(`mark-a-${n}`), 1);
    assert.equal(tap.count('mark-b-5'), 1);
    tap.close();

    // The HTTP API of either host counts the subscribers of both.
    for (const sdk of [sdkA, sdkB]) {
        const info = await (await sdk.get({ path: '/channels/news',
                                             params: { info: 'subscription_count' } })).json();
        assert.equal(info.subscription_count, 12);
    }
    // /metrics on either host: the Redis link is up, the other host is known, and the channel
    // gauges count both hosts' subscribers.
    for (const h of [hostA, hostB]) {
        const m = (await scrape(h.port)).values;
        assert.equal(m.get('shoal_cluster_enabled'), 1);
        assert.equal(m.get('shoal_cluster_link_up'), 1);
        assert.equal(m.get('shoal_cluster_hosts'), 1);
        assert.ok(m.get('shoal_cluster_redis_connects_total') >= 1);
        assert.equal(m.get('shoal_subscriptions'), 12);
    }
});

test('cluster: client events and #server-to-user cross hosts; the sender is skipped', async () => {
    const a = open(hostA.port, 'ce-a');
    const b1 = open(hostB.port, 'ce-b');
    const b2 = open(hostB.port, 'ce-b2');
    await Promise.all([a, b1, b2].map(connected));
    const got = [[], [], []];
    const chans = await Promise.all([a, b1, b2].map((c) => subscribed(c, 'private-chat')));
    chans.forEach(({ ch }, i) => ch.bind('client-say', (d) => got[i].push(d.text)));
    await sleep(200);
    chans[0].ch.trigger('client-say', { text: 'from A' });
    chans[1].ch.trigger('client-say', { text: 'from B' });
    await waitFor(() => got[0].length === 1 && got[1].length === 1 && got[2].length === 2, 5000,
                  'client events on both hosts');
    await sleep(200);
    assert.deepEqual(got[0], ['from B']);
    assert.deepEqual(got[1], ['from A']);
    assert.deepEqual(got[2].sort(), ['from A', 'from B']);

    const hello = [];
    b1.user.bind('hello', (d) => hello.push(d.x));
    b1.signin();
    await b1.user.signinDonePromise;
    await sleep(200);
    await serverSdk(hostA.port).sendToUser('ce-b', 'hello', { x: 7 });
    await waitFor(() => hello.length === 1, 5000, '#server-to-user from the other host');
});

test('cluster: presence is one member list across hosts, announced once per user', async () => {
    const ROOM = 'presence-lobby';
    const obsA = open(hostA.port, 'p-a');
    const obsB = open(hostB.port, 'p-b');
    await Promise.all([obsA, obsB].map(connected));
    const events = { a: [], b: [] };
    const [ca, cb] = await Promise.all([subscribed(obsA, ROOM), subscribed(obsB, ROOM)]);
    for (const [k, { ch }] of [['a', ca], ['b', cb]]) {
        ch.bind('pusher:member_added', (m) => events[k].push(`+${m.id}`));
        ch.bind('pusher:member_removed', (m) => events[k].push(`-${m.id}`));
    }
    await waitFor(() => ca.ch.members.count === 2 && cb.ch.members.count === 2, 5000,
                  'both observers see both');
    // User d connects on both hosts: one member_added, and member_removed only with the last.
    const dA = open(hostA.port, 'd');
    const dB = open(hostB.port, 'd');
    await Promise.all([dA, dB].map(connected));
    await subscribed(dA, ROOM);
    const { data } = await subscribed(dB, ROOM);
    assert.equal(data.count, 3);
    await waitFor(() => ca.ch.members.count === 3 && cb.ch.members.count === 3, 5000, 'd seen');
    await sleep(300);
    for (const users of [hostA, hostB].map((h) => serverSdk(h.port))) {
        const r = await (await users.get({ path: `/channels/${ROOM}/users` })).json();
        assert.deepEqual(r.users.map((u) => u.id).sort(), ['d', 'p-a', 'p-b']);
        const list = await (await users.get({ path: '/channels',
                                              params: { filter_by_prefix: 'presence-',
                                                        info: 'user_count' } })).json();
        assert.equal(list.channels[ROOM].user_count, 3);
    }
    dB.disconnect();
    await sleep(500);
    assert.equal(ca.ch.members.count, 3, 'd still present through its connection on A');
    dA.disconnect();
    await waitFor(() => ca.ch.members.count === 2 && cb.ch.members.count === 2, 5000, 'd gone');
    await sleep(200);
    assert.deepEqual(events.b.filter((e) => e.endsWith('d')), ['+d', '-d']);
    assert.deepEqual(events.a.filter((e) => e.endsWith('d')), ['+d', '-d']);
});

test('cluster: Phoenix presence across hosts: one entry per user, each diff once', async () => {
    const view = (presence) => {
        const out = {};
        presence.list((id, { metas }) => { out[id] = metas.length; });
        return JSON.stringify(Object.fromEntries(Object.entries(out).sort()));
    };
    const sockets = [];
    const open = async (port, user) => {
        const socket = connectPhoenix(port, { token: userToken(user, { user }) });
        sockets.push(socket);
        const channel = socket.channel('presence:cluster', {});
        const presence = new Presence(channel);
        const diffs = [];
        channel.on('presence_diff', (d) => diffs.push(d));
        await join(channel);
        return { socket, channel, presence, diffs };
    };
    try {
        const watcher = await open(hostA.port, 'ann');
        const others = [await open(hostB.port, 'ann'), await open(hostB.port, 'bob')];
        const want = JSON.stringify({ ann: 2, bob: 1 });
        for (const c of [watcher, ...others]) {
            await waitFor(() => view(c.presence) === want, 5000, 'one entry per user everywhere');
        }
        await sleep(300);
        const joinsOf = (c, user) => c.diffs.filter((d) => d.joins[user]).length;
        assert.equal(joinsOf(watcher, 'bob'), 1);  // not once per worker, not echoed
        others[1].socket.disconnect();
        await waitFor(() => view(watcher.presence) === JSON.stringify({ ann: 2 }), 5000,
                      'bob leaves across hosts');
        await sleep(200);
        assert.equal(watcher.diffs.filter((d) => d.leaves.bob).length, 1);
    } finally {
        for (const s of sockets) s.disconnect();
    }
});

test('cluster: terminate_connections on one host closes the user on the other', async () => {
    // A raw WebSocket client (not pusher-js, whose WebSocket client leaves a 30 s close timer
    // running after a server-side 4009 close): sign in as a user on B, terminate through A.
    const ws = new WebSocket(`ws://127.0.0.1:${hostB.port}/app/${APP.key}?protocol=7`);
    const inbox = [];
    ws.on('message', (m) => inbox.push(JSON.parse(m.toString())));
    const closed = new Promise((r) => ws.on('close', (code) => r(code)));
    await waitFor(() => inbox.some((m) => m.event === 'pusher:connection_established'), 5000,
                  'connected');
    const socketId = JSON.parse(inbox[0].data).socket_id;
    const auth = serverSdk(hostB.port).authenticateUser(socketId, { id: 'term-me' });
    ws.send(JSON.stringify({ event: 'pusher:signin', data: auth }));
    await waitFor(() => inbox.some((m) => m.event === 'pusher:signin_success'), 5000, 'signed in');
    await sleep(200);
    await serverSdk(hostA.port).terminateUserConnections('term-me');
    assert.equal(await closed, 4009);
});

test('cluster: kill -9 of a whole host removes its members on the other host', async () => {
    const TIMEOUT = 1500;
    const hostC = await startHost(TIMEOUT);
    const ROOM = 'presence-crash';
    const obs = open(hostA.port, 'watcher');
    const victims = [open(hostC.port, 'c1'), open(hostC.port, 'c2')];
    await Promise.all([obs, ...victims].map(connected));
    const { ch } = await subscribed(obs, ROOM);
    const removed = [];
    ch.bind('pusher:member_removed', (m) => removed.push(m.id));
    await Promise.all(victims.map((c) => subscribed(c, ROOM)));
    await waitFor(() => ch.members.count === 3, 5000, 'the crashing host\'s members seen');

    const pids = [hostC.proc.pid, ...workerPids(hostC.port)];
    const killedAt = Date.now();
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await waitFor(() => removed.length === 2, TIMEOUT + 3000, 'members of the dead host removed');
    const took = Date.now() - killedAt;
    console.log(`# members of a kill -9ed host removed on the other host after ${took} ms ` +
                `(host timeout ${TIMEOUT} ms)`);
    assert.deepEqual(removed.sort(), ['c1', 'c2']);
    assert.equal(ch.members.count, 1);
    for (const c of victims) c.disconnect();
    await hostC.exited;
    await waitFor(() => pids.every((p) => !alive(p)), 2000, 'no process of the dead host left');
});

test('cluster: a Redis restart keeps local delivery, then both hosts recover', async () => {
    const ROOM = 'presence-restart';
    const a = open(hostA.port, 'ra');
    const b = open(hostB.port, 'rb');
    await Promise.all([a, b].map(connected));
    const got = { a: [], b: [] };
    const removedOnA = [];
    const [pa, pb] = await Promise.all([subscribed(a, ROOM), subscribed(b, ROOM)]);
    pa.ch.bind('news', (d) => got.a.push(d.n));
    pb.ch.bind('news', (d) => got.b.push(d.n));
    pa.ch.bind('pusher:member_removed', (m) => removedOnA.push(m.id));
    await waitFor(() => pa.ch.members.count === 2, 5000, 'both members before');

    const port = redis.port;
    await redis.kill();
    // Local delivery goes on without Redis.
    await serverSdk(hostA.port).trigger(ROOM, 'news', { n: 1 });
    await waitFor(() => got.a.includes(1), 3000, 'local delivery while Redis is down');
    // Someone joins on B during the outage.
    const late = open(hostB.port, 'rc');
    await connected(late);
    await subscribed(late, ROOM);
    await sleep(300);

    const marks = [hostA, hostB].map((h) => h.logs().split('reconnected to redis').length);
    redis = await startRedis(port);
    await waitFor(() => [hostA, hostB].every((h, i) =>
        h.logs().split('reconnected to redis').length > marks[i]), 8000, 'both hosts reconnect');
    assert.match(hostA.logs(), /lost redis at 127\.0\.0\.1/);
    // Presence is republished: A learns the member that joined during the outage.
    await waitFor(() => pa.ch.members.count === 3, 5000, 'rc seen on A after the restart');
    for (const [from, n] of [[hostA, 2], [hostB, 3]]) {
        await serverSdk(from.port).trigger(ROOM, 'news', { n });
    }
    await waitFor(() => got.a.includes(3) && got.b.includes(2) && got.b.includes(3), 5000,
                  'both hosts deliver across again');
    // The other host was not expired on the way (both reconnect within the host timeout).
    await sleep(3500);
    assert.deepEqual(removedOnA, []);
    assert.equal(pa.ch.members.count, 3);
});
