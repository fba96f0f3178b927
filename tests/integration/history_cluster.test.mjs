// SPDX-License-Identifier: MIT
// test-labels: integration cluster
// test-timeout: 120
// Channel history across a cluster (docs/history.md, "Cluster"): two `shoal serve --workers 2`
// hosts and a real redis-server. Redis numbers every history event once for the cluster, so
// both hosts give one channel the same positions in the same order, whichever host each event
// was published on; a client recovers on host B what was published on host A; the HTTP history
// route answers the same on both. With Redis gone, each host still delivers its own events,
// numbered locally under an epoch of that outage, and a recovery across the outage says
// recovered: false; after Redis is back the hosts agree again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import http from 'node:http';
import { startShoal, waitFor } from '../clients/shoal_server.mjs';
import { startRedis } from '../clients/redis_server.mjs';
import { appSdk, writeApps } from '../clients/app_clients.mjs';
import { rawPusher } from '../clients/history_clients.mjs';

const APP = { id: 'hc1', key: 'key-hc', secret: 'secret-hc', enable_client_events: true,
              history: { events: 100, seconds: 300 } };

let dir = null;
let redis = null;
let hostA = null;
let hostB = null;
const sockets = [];

async function startHost() {
    const h = await startShoal({ mode: 'serve', workers: 2,
                                 args: ['--apps', pathJoin(dir, 'apps.json'), '--cluster', redis.url] });
    await waitFor(() => h.logs().includes('subscribed to'), 5000, 'the host on redis');
    return h;
}

async function open(host) {
    const c = await rawPusher(host.port, APP, sdk(host));
    sockets.push(c);
    return c;
}

// One connection per SDK: a host handles its triggers in the order they are sent.
const sdk = (host) => appSdk(host.port, APP, new http.Agent({ keepAlive: true, maxSockets: 1 }));
const positions = (c, ch) => c.events(ch).map((m) => [m.data.n, m.position.offset, m.position.epoch]);

before(async () => {
    dir = mkdtempSync(pathJoin(tmpdir(), 'shoal-hcluster-'));
    writeApps(pathJoin(dir, 'apps.json'), [APP]);
    redis = await startRedis();
    hostA = await startHost();
    hostB = await startHost();
});

after(async () => {
    for (const c of sockets) c.close();
    await Promise.all([hostA, hostB].filter(Boolean).map((h) => h.stop()));
    if (redis) await redis.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

test('history cluster: one numbering for both hosts, recovery on B of what A published', async () => {
    const ch = 'private-feed-1';  // private: client events
    const a = await open(hostA);
    const b = await open(hostB);
    const [okA, okB] = [await a.subscribe(ch), await b.subscribe(ch)];
    assert.equal(okA.data.position.offset, 0);
    assert.equal(okB.data.position.offset, 0);
    // Published on both hosts, interleaved: one sequence of positions, the same everywhere.
    const [sa, sb] = [sdk(hostA), sdk(hostB)];
    for (let n = 1; n <= 10; ++n) await (n % 2 ? sa : sb).trigger(ch, 'tick', { n });
    await waitFor(() => a.events(ch).length === 10 && b.events(ch).length === 10, 5000,
                  'ten events on both hosts');
    assert.deepEqual(positions(a, ch), positions(b, ch), 'both hosts: same events, same positions');
    const epoch = a.events(ch)[0].position.epoch;
    assert.match(epoch, /^[0-9a-f]{16}$/);
    assert.deepEqual(a.events(ch).map((m) => m.position.offset), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.ok(a.events(ch).every((m) => m.position.epoch === epoch));
    // Each SDK waits for its 200, so the order of the triggers is the order of the events.
    assert.deepEqual(a.events(ch).map((m) => m.data.n), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    // A client that saw 4 on A resumes on B: 5..10 from B's store, then live, once each.
    const c = await open(hostB);
    const rc = await c.subscribe(ch, { offset: 4, epoch });
    assert.equal(rc.data.recovered, true);
    assert.deepEqual(rc.data.position, { offset: 10, epoch });
    await sa.trigger(ch, 'tick', { n: 11 });
    await waitFor(() => c.events(ch).length === 7, 5000, 'recovered and live on B');
    assert.deepEqual(c.events(ch).map((m) => m.position.offset), [5, 6, 7, 8, 9, 10, 11]);

    // The HTTP history route answers from each host's store: the same on both.
    const [ha, hb] = await Promise.all([sa, sb].map((s) => s.get({ path: `/channels/${ch}/history`,
                                                                  params: { since: 8 } })));
    const [ja, jb] = await Promise.all([ha.json(), hb.json()]);
    assert.equal(ja.epoch, epoch);
    assert.deepEqual(ja.events.map((e) => e.offset), [9, 10, 11]);
    // time_ms is when each host stored the event (its own clock): everything else is equal.
    const untimed = (j) => ({ ...j, events: j.events.map(({ time_ms: _t, ...e }) => e) });
    assert.deepEqual(untimed(jb), untimed(ja));

    // A client event is numbered by the cluster too, and skips only its own sender.
    a.ws.send(JSON.stringify({ event: 'client-note', channel: ch, data: { n: 12 } }));
    await waitFor(() => b.events(ch).length === 12 && c.events(ch).length === 8, 5000,
                  'the client event on B');
    assert.deepEqual(b.events(ch).at(-1).position, { offset: 12, epoch });
    assert.equal(b.events(ch).at(-1).event, 'client-note');
    await sb.trigger(ch, 'tick', { n: 13 });
    await waitFor(() => a.events(ch).length === 12, 5000, 'the next event on A');
    assert.deepEqual(a.events(ch).map((m) => m.position.offset).slice(-2), [11, 13],
                     'the sender got no echo of its own client event');
});

test('history cluster: Redis down, each host numbers locally under an outage epoch; a recovery '
     + 'across it is not complete; back up, both hosts agree again', async () => {
    const ch = 'feed-2';
    const a = await open(hostA);
    const b = await open(hostB);
    await a.subscribe(ch);
    await b.subscribe(ch);
    const [sa, sb] = [sdk(hostA), sdk(hostB)];
    for (let n = 1; n <= 3; ++n) await sa.trigger(ch, 'tick', { n });
    await waitFor(() => b.events(ch).length === 3, 5000, 'three events on B');
    const cluster = b.events(ch)[0].position.epoch;

    const port = redis.port;
    const marks = [hostA, hostB].map((h) => h.logs().split('reconnected to redis').length);
    await redis.kill();
    await waitFor(() => hostA.logs().includes('lost redis'), 5000, 'A sees Redis gone');
    await sa.trigger(ch, 'tick', { n: 4 });
    await sa.trigger(ch, 'tick', { n: 5 });
    await waitFor(() => a.events(ch).length === 5, 5000, 'local delivery on A while Redis is down');
    const [e4, e5] = a.events(ch).slice(3).map((m) => m.position);
    assert.notEqual(e4.epoch, cluster, 'an outage numbers under an epoch of its own');
    assert.deepEqual([e4.offset, e5.offset, e5.epoch], [1, 2, e4.epoch]);
    assert.match(hostA.logs(), /numbering this host's history events locally under epoch/);
    assert.equal(b.events(ch).length, 3, 'nothing crosses to B without Redis');

    // On A, a client that saw 3 of the cluster's stream cannot be given 4 and 5 as that
    // stream: told not recovered, served the stream A holds now.
    const r = await open(hostA);
    const rr = await r.subscribe(ch, { offset: 3, epoch: cluster });
    assert.equal(rr.data.recovered, false);
    assert.deepEqual(rr.data.position, e5);
    await waitFor(() => r.events(ch).length === 2, 5000, 'the outage stream served');
    assert.deepEqual(r.events(ch).map((m) => m.data.n), [4, 5]);

    // Redis back (empty: it restarted): the cluster numbers again, under a new epoch for the
    // channel, the same on both hosts.
    redis = await startRedis(port);
    await waitFor(() => [hostA, hostB].every((h, i) =>
        h.logs().split('reconnected to redis').length > marks[i]), 8000, 'both hosts reconnect');
    await sb.trigger(ch, 'tick', { n: 6 });
    await waitFor(() => a.events(ch).length === 6 && b.events(ch).length === 4, 5000,
                  'both hosts deliver again');
    const after6 = a.events(ch).at(-1).position;
    assert.deepEqual(b.events(ch).at(-1).position, after6);
    assert.equal(after6.offset, 1);
    assert.ok(after6.epoch !== cluster && after6.epoch !== e4.epoch, 'a new cluster epoch');

    // A client that saw the old cluster stream up to 3 resumes on B: not recovered (B never
    // had 4 and 5, and the channel's numbering started again), served the new stream.
    const s = await open(hostB);
    const rs = await s.subscribe(ch, { offset: 3, epoch: cluster });
    assert.equal(rs.data.recovered, false);
    await waitFor(() => s.events(ch).length === 1, 5000, 'the new stream served');
    assert.deepEqual(s.events(ch)[0].position, after6);
    // And one that saw the new stream's first event is complete on either host.
    const t = await open(hostA);
    const rt = await t.subscribe(ch, { offset: 0, epoch: cluster });
    assert.equal(rt.data.recovered, true, 'offset 0 names no stream: everything is new to it');
    await waitFor(() => t.events(ch).length === 1, 5000, 'the whole new stream');
});
