// SPDX-License-Identifier: MIT
// test-labels: integration cluster
// test-timeout: 120
// A Redis that requires a password (requirepass, and a Redis 6 ACL user): two hosts that give
// it in the --cluster URL link up and a trigger crosses between them; a host with a wrong
// password says so in its log, keeps retrying with backoff and keeps serving its own clients;
// no worker's command line carries the password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startShoal, sleep, workerPids } from '../clients/shoal_server.mjs';
import { startRedis } from '../clients/redis_server.mjs';
import { client, connected, serverSdk, subscribed, waitFor } from
    '../clients/cross_worker_clients.mjs';

const PASSWORD = 'p:w@d/1';  // every character a URL must percent-encode
const ENCODED = encodeURIComponent(PASSWORD);
let redis = null;
const hosts = [];
const clients = [];

async function startHost(url, { linked = true } = {}) {
    const h = await startShoal({ mode: 'serve', workers: 1, args: ['--cluster', url] });
    hosts.push(h);
    if (linked) await waitFor(() => h.logs().includes('subscribed to'), 5000, 'the host on redis');
    return h;
}

function open(port) {
    const c = client(port);
    clients.push(c);
    return c;
}

function workerCommandLines(port) {
    return workerPids(port).map(
        (pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
}

async function crosses(from, to, channel) {
    const c = open(to.port);
    await connected(c);
    const { ch } = await subscribed(c, channel);
    const got = [];
    ch.bind('ev', (d) => got.push(d.n));
    await sleep(200);
    await serverSdk(from.port).trigger(channel, 'ev', { n: 1 });
    await waitFor(() => got.length === 1, 5000, `a trigger on ${from.port} reaches ${to.port}`);
}

before(async () => {
    // The default user needs PASSWORD; the ACL user `shoal` has its own.
    redis = await startRedis(null, ['--requirepass', PASSWORD,
                                    '--user', 'shoal', 'on', '>acl-pw', '~*', '&*', '+@all']);
});

after(async () => {
    for (const c of clients) c.disconnect();
    for (const h of hosts) await h.stop();
    if (redis) await redis.kill();
});

test('cluster auth: hosts with the password link up, and a trigger crosses', async () => {
    const a = await startHost(`redis://:${ENCODED}@127.0.0.1:${redis.port}`);
    const b = await startHost(`redis://shoal:acl-pw@127.0.0.1:${redis.port}/0`);
    await crosses(a, b, 'auth-news');
    await crosses(b, a, 'auth-news-2');
    for (const h of [a, b]) {
        assert.ok(!h.logs().includes(PASSWORD) && !h.logs().includes('acl-pw'), h.logs());
        for (const line of workerCommandLines(h.port)) {
            assert.ok(line.includes(`--cluster redis://127.0.0.1:${redis.port}`), line);
            assert.ok(!line.includes(ENCODED) && !line.includes('acl-pw'), line);
        }
    }
});

test('cluster auth: a wrong password is logged and retried; local delivery goes on', async () => {
    const h = await startHost(`redis://:wrong@127.0.0.1:${redis.port}`, { linked: false });
    await waitFor(() => /unavailable \(WRONGPASS/.test(h.logs()), 5000, 'the refusal logged');
    assert.ok(!h.logs().includes('subscribed to'));
    const sub = open(h.port);
    await connected(sub);
    const { ch } = await subscribed(sub, 'local-only');
    const got = [];
    ch.bind('ev', (d) => got.push(d.n));
    await serverSdk(h.port).trigger('local-only', 'ev', { n: 7 });
    await waitFor(() => got.length === 1, 5000, 'delivered on the host itself');
    assert.equal(h.proc.exitCode, null);
});
