// SPDX-License-Identifier: MIT
// test-labels: integration worker
// test-timeout: 120
// GET /metrics on `shoal serve --workers 2`: the live scrape passes the real `promtool check
// metrics`, and a known workload (N HTTP API triggers to M pusher-js subscribers spread over the
// workers) moves the host counters by exactly what it did, whichever worker answers the scrape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startShoal, waitFor } from '../clients/shoal_server.mjs';
import { connected, disconnectAll, pusherClient, serverSdk, subscribed } from
    '../clients/pusher_clients.mjs';
import { httpGet, promtoolCheck, scrape } from '../clients/metrics_client.mjs';

const WORKERS = 2;
const M = 6;   // subscribers
const N = 10;  // triggers

const delta = (a, b, key) => {
    assert.ok(a.values.has(key), `metric ${key} missing`);
    return b.values.get(key) - a.values.get(key);
};

test('metrics: a live scrape passes promtool, and N triggers to M subscribers move the counters ' +
     'by exact amounts', async () => {
    const metricsPort = await freePort();
    const srv = await startShoal({ mode: 'serve', workers: WORKERS,
                                   args: ['--metrics-port', String(metricsPort)] });
    const sdk = serverSdk(srv.port);
    const clients = [];
    try {
        const first = await scrape(srv.port);
        assert.match(first.contentType, /^text\/plain; version=0\.0\.4/);
        const lint = promtoolCheck(first.text);
        assert.ok(lint.ok, `promtool check metrics failed:\n${lint.output}`);
        for (let s = 0; s < WORKERS; s++) {
            assert.equal(first.values.get(`shoal_worker_up{slot="${s}"}`), 1);
            assert.equal(first.values.get(`shoal_worker_breaker_state{slot="${s}",state="closed"}`), 1);
            assert.ok(first.values.get(`shoal_worker_resident_memory_bytes{slot="${s}"}`) > 0);
        }

        const got = [];
        for (let i = 0; i < M; i++) {
            const c = pusherClient(srv.port);
            clients.push(c);
            await connected(c);
            const { ch } = await subscribed(c, 'metrics-room');
            got.push(0);
            ch.bind('tick', () => { got[i]++; });
        }
        // The slot's connection gauge is refreshed with the heartbeat and counts the scrape's
        // own connection: at least the subscribers once refreshed.
        for (let tries = 0; (await scrape(srv.port)).values.get('shoal_connections') < M; tries++) {
            assert.ok(tries < 250, 'connection gauge never reached M');
            await new Promise((r) => setTimeout(r, 20));
        }
        // Settled: the answering worker knows all M subscriptions and no worker is behind on
        // any ring (each counts what it read before it moves its cursor).
        const settled = (m) => [...Array(WORKERS).keys()].every(
            (s) => m.values.get(`shoal_worker_bus_lag_bytes{slot="${s}"}`) === 0);
        let before;
        for (let tries = 0; ; tries++) {
            before = await scrape(srv.port);
            if (before.values.get('shoal_subscriptions') === M && settled(before)) break;
            assert.ok(tries < 250, `never settled: ${before.values.get('shoal_subscriptions')}`);
            await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(before.values.get('shoal_channels'), 1);
        assert.equal(before.values.get('shoal_protocol_connections{protocol="pusher"}'), M);

        for (let n = 0; n < N; n++) await sdk.trigger('metrics-room', 'tick', { n });
        await waitFor(() => got.every((g) => g >= N), 10000, 'every subscriber got every trigger');

        // Receivers read the ring asynchronously: wait until no worker is behind, then every
        // delta must be exact.
        let after;
        let scrapes = 0;
        for (;;) {
            after = await scrape(srv.port);
            scrapes++;
            if (settled(after)) break;
            assert.ok(scrapes < 250, 'workers never caught up');
            await new Promise((r) => setTimeout(r, 20));
        }
        assert.deepEqual(got, Array(M).fill(N));
        assert.equal(delta(before, after, 'shoal_api_events_published_total'), N);
        assert.equal(delta(before, after, 'shoal_deliveries_total'), N * M);
        assert.equal(delta(before, after, 'shoal_bus_records_total{direction="written"}'), N);
        assert.equal(delta(before, after, 'shoal_bus_records_total{direction="read"}'), N * (WORKERS - 1));
        assert.equal(delta(before, after, 'shoal_bus_records_total{direction="lost"}'), 0);
        assert.equal(delta(before, after, 'shoal_client_messages_published_total'), 0);
        assert.equal(delta(before, after, 'shoal_websocket_messages_received_total'), 0);
        // N trigger answers, plus one 200 per scrape answered before `after` was rendered: the
        // `before` scrape and every retry (each is counted when sent, before the next starts).
        assert.equal(delta(before, after, 'shoal_http_responses_total{code="2xx"}'), N + scrapes);
        assert.equal(delta(before, after, 'shoal_http_responses_total{code="4xx"}'), 0);
        assert.ok(delta(before, after, 'shoal_sent_bytes_total') > 0);
        assert.equal(after.values.get('shoal_subscriptions'), M);

        // /status and /dashboard are off without --dashboard; GET / stays the health check.
        assert.equal((await httpGet(srv.port, '/status')).status, 404);
        assert.equal((await httpGet(srv.port, '/dashboard')).status, 404);
        assert.equal((await httpGet(srv.port, '/')).status, 200);
        const lint2 = promtoolCheck(after.text);
        assert.ok(lint2.ok, `promtool check metrics failed:\n${lint2.output}`);

        // --metrics-port: the supervisor answers on 127.0.0.1 with the same host totals and its
        // host view's channel gauges; nothing else is served there.
        const side = await scrape(metricsPort);
        assert.ok(promtoolCheck(side.text).ok);
        assert.equal(side.values.get('shoal_deliveries_total'), after.values.get('shoal_deliveries_total'));
        assert.equal(side.values.get('shoal_api_events_published_total'),
                     after.values.get('shoal_api_events_published_total'));
        assert.equal(side.values.get('shoal_channels'), 1);
        assert.equal(side.values.get('shoal_cluster_enabled'), 0);
        assert.equal((await httpGet(metricsPort, '/status')).status, 404);

        // Client events over the per-connection rate (10/s) are refused with 4301 and counted:
        // every event sent is either delivered to the other member or refused, and the counters
        // move by exactly those two numbers.
        const sender = pusherClient(srv.port);
        const receiver = pusherClient(srv.port);
        clients.push(sender, receiver);
        await Promise.all([connected(sender), connected(receiver)]);
        const [{ ch: out }, { ch: inbox }] = await Promise.all(
            [subscribed(sender, 'private-limits'), subscribed(receiver, 'private-limits')]);
        let delivered = 0;
        let refused = 0;
        inbox.bind('client-burst', () => { delivered++; });
        sender.connection.bind('error', (e) => { if (e?.data?.code === 4301) refused++; });
        const mark = await scrape(srv.port);
        const BURST = 25;
        for (let n = 0; n < BURST; n++) out.trigger('client-burst', { n });
        await waitFor(() => delivered + refused === BURST, 10000, 'every client event answered');
        assert.ok(refused >= BURST - 20, `refused ${refused} of ${BURST}`);  // two windows at most
        const end = await scrape(srv.port);
        assert.equal(delta(mark, end, 'shoal_client_events_rate_limited_total'), refused);
        assert.equal(delta(mark, end, 'shoal_client_messages_published_total'), delivered);
    } finally {
        disconnectAll(...clients);
        assert.equal((await srv.stop()).code, 0);
    }
});
