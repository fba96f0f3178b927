// SPDX-License-Identifier: MIT
// test-labels: integration cluster
// test-timeout: 180
// Webhooks across cluster hosts linked by a real redis-server: one host leads (a lease in Redis)
// and sends the cluster's channel and presence events, each once however many hosts and workers
// share a channel or a user; client events are sent by the host they happened on, once. When a
// host dies (kill -9 of its supervisor and workers) the survivors send the removals of its
// members once, after its lease lapses, also when the dead host was the leader. Every request is
// checked with the official pusher SDK.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { APP, startShoal, waitFor, workerPids } from '../clients/shoal_server.mjs';
import { startRedis } from '../clients/redis_server.mjs';
import { client, connected, subscribed } from '../clients/cross_worker_clients.mjs';
import { disconnectAll, nextEvent } from '../clients/pusher_clients.mjs';
import { writeApps } from '../clients/app_clients.mjs';
import { scrape } from '../clients/metrics_client.mjs';
import { named, startReceiver } from '../clients/webhook_receiver.mjs';

const TIMEOUT = 1500;  // --cluster-host-timeout-ms, also the lease's ttl
const GRACE = 1000;
let redis = null;
let rx = null;
let file = null;
const hosts = [];
const clients = [];

async function startHost() {
    const h = await startShoal({ mode: 'serve', workers: 2, args: [
        '--apps', file, '--cluster', redis.url, '--cluster-host-timeout-ms', String(TIMEOUT),
        '--webhook-grace-ms', String(GRACE)] });
    await waitFor(() => h.logs().includes('subscribed to'), 5000, 'the host on redis');
    hosts.push(h);
    return h;
}

const leaderGauge = async (h) => (await scrape(h.port)).values.get('shoal_webhook_leader');

function open(host, user = null) {
    const c = client(host.port, user);
    clients.push(c);
    return c;
}

function alive(pid) {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch { return false; }
}

async function killHost(h) {
    const pids = [h.proc.pid, ...workerPids(h.port)];
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await h.exited;
    await waitFor(() => pids.every((p) => !alive(p)), 3000, 'no process of the dead host left');
    hosts.splice(hosts.indexOf(h), 1);
}

// After `marker` (a channel opened and closed on `host`) is vacated, anything an earlier change
// could have sent, from any host, has arrived: it was due at least as early.
async function settle(host, marker) {
    const m = open(host);
    await connected(m);
    await subscribed(m, marker);
    m.disconnect();
    await rx.until(() => named(rx.events(), 'channel_vacated', marker).length >= 1, 20000, marker);
}

function exactlyOnce(name, channel, extra = () => true) {
    const n = named(rx.events(), name, channel).filter(extra).length;
    assert.equal(n, 1, `${name} ${channel}: ${n} times in ${JSON.stringify(rx.events())}`);
}

let leader = null;
let hostA = null;
let hostB = null;

before(async () => {
    redis = await startRedis();
    rx = await startReceiver({ apps: [APP] });
    file = pathJoin(mkdtempSync(pathJoin(tmpdir(), 'shoal-hooks-')), 'apps.json');
    writeApps(file, [{ ...APP, enable_client_events: true, webhooks: [{ url: rx.url() }] }]);
    leader = await startHost();  // alone: it takes the lease at once
    for (let i = 0; (await leaderGauge(leader)) !== 1; i++) assert.ok(i < 5000, 'leader');
    hostA = await startHost();
    hostB = await startHost();
});

after(async () => {
    disconnectAll(...clients);
    for (const h of hosts) assert.equal((await h.stop()).code, 0, h.logs());
    if (rx) await rx.close();
    if (redis) await redis.kill();
    for (const r of rx?.requests ?? []) assert.ok(r.valid, `request ${r.index} signed`);
});

test('webhooks cluster: occupied, member events and client events once across hosts',
     async () => {
    assert.deepEqual(await Promise.all([leader, hostA, hostB].map(leaderGauge)), [1, 0, 0]);
    const onA = open(hostA, 'uma');
    const onB = open(hostB, 'uma');
    await Promise.all([onA, onB].map(connected));
    await subscribed(onA, 'presence-x');
    const { ch } = await subscribed(onB, 'presence-x');
    const seen = nextEvent(onA.channel('presence-x'), 'client-hi');
    ch.trigger('client-hi', { from: 'b' });
    await seen;
    await rx.until(() => named(rx.events(), 'client_event').length === 1 &&
                         named(rx.events(), 'member_added').length === 1);
    onA.disconnect();  // uma is still on host B: nothing
    await settle(hostA, 'marker-1');
    exactlyOnce('channel_occupied', 'presence-x');
    exactlyOnce('member_added', 'presence-x', (e) => e.user_id === 'uma');
    exactlyOnce('client_event', 'presence-x', (e) => e.socket_id === onB.connection.socket_id &&
                                                     e.user_id === 'uma' && e.data === '{"from":"b"}');
    assert.equal(named(rx.events(), 'member_removed').length, 0);
    assert.equal(named(rx.events(), 'channel_vacated', 'presence-x').length, 0);

    onB.disconnect();  // uma's last connection in the cluster
    await rx.until(() => named(rx.events(), 'member_removed').length === 1 &&
                         named(rx.events(), 'channel_vacated', 'presence-x').length === 1);
    await settle(hostB, 'marker-2');
    exactlyOnce('member_removed', 'presence-x', (e) => e.user_id === 'uma');
    exactlyOnce('channel_vacated', 'presence-x');
    exactlyOnce('channel_occupied', 'marker-1');
    exactlyOnce('channel_vacated', 'marker-1');
});

test('webhooks cluster: a dead host\'s members are removed once, also when it was the leader',
     async () => {
    // A host that is not the leader dies.
    const hostD = await startHost();
    const watcher = open(hostA, 'watcher');
    const dee = open(hostD, 'dee');
    const lou = open(leader, 'lou');
    await Promise.all([watcher, dee, lou].map(connected));
    const { ch } = await subscribed(watcher, 'presence-shared');
    for (const c of [dee, lou]) await subscribed(c, 'presence-shared');
    await subscribed(dee, 'd-only');
    await subscribed(lou, 'l-only');
    await waitFor(() => ch.members.count === 3, 5000, 'three members');
    await rx.until(() => named(rx.events(), 'member_added', 'presence-shared').length === 3);

    await killHost(hostD);
    await rx.until(() => named(rx.events(), 'channel_vacated', 'd-only').length === 1, 20000);
    await settle(hostA, 'marker-3');
    exactlyOnce('member_removed', 'presence-shared', (e) => e.user_id === 'dee');
    exactlyOnce('channel_vacated', 'd-only');

    // The leader dies: a survivor takes the lease and sends the leader's removals once.
    await killHost(leader);
    await rx.until(() => named(rx.events(), 'channel_vacated', 'l-only').length === 1, 20000);
    let gauges;
    for (let i = 0; ; i++) {
        gauges = await Promise.all([hostA, hostB].map(leaderGauge));
        if (gauges[0] + gauges[1] === 1) break;
        assert.ok(i < 5000, `one new leader, got ${gauges}`);
    }
    await settle(hostB, 'marker-4');
    exactlyOnce('member_removed', 'presence-shared', (e) => e.user_id === 'lou');
    exactlyOnce('channel_vacated', 'l-only');
    assert.equal(named(rx.events(), 'channel_vacated', 'presence-shared').length, 0,
                 'the watcher is still there');
    assert.equal(named(rx.events(), 'member_removed', 'presence-shared')
        .filter((e) => e.user_id === 'watcher').length, 0);
    exactlyOnce('channel_occupied', 'marker-4');  // the new leader sends new events too
    exactlyOnce('channel_vacated', 'marker-4');
    watcher.disconnect();
    lou.disconnect();
    dee.disconnect();
});
