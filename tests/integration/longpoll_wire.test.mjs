// SPDX-License-Identifier: MIT
// test-labels: integration worker
// test-timeout: 120
// Phoenix LongPoll on the wire (/socket/longpoll), as Phoenix.Transports.LongPoll answers:
// a GET without a session token opens one (410 + token), POST sends ndjson (200), GET polls
// (200 with messages, or 204 after the hold), a token of another server or of a session that
// ended answers 410. Requests land on either worker of `serve --workers 2` (a connection of
// their own each) and are forwarded to the session's owner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startShoal, shoalStatus, waitFor, sleep } from '../clients/shoal_server.mjs';
import { serverSdk } from '../clients/pusher_clients.mjs';
import { longPoll, httpRequest } from '../clients/fallback_clients.mjs';

const connections = (port) => shoalStatus(port).slots.reduce((n, s) => n + s.connections, 0);

// Polls until `pred(messages so far)` holds; every poll is a new connection (any worker).
async function pollUntil(port, token, pred, what) {
    const got = [];
    const deadline = Date.now() + 15000;
    while (!pred(got)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(got)}`);
        const r = await longPoll(port, 'GET', token);
        assert.ok(r.status === 200 || r.status === 204, `poll status ${r.status}`);
        if (r.status === 200) got.push(...r.messages.map((m) => JSON.parse(m)));
    }
    return got;
}

test('longpoll: session, join, push, broadcast and presence across two workers', async () => {
    const srv = await startShoal({ mode: 'serve', workers: 2 });
    try {
        const open = await longPoll(srv.port, 'GET', null);
        assert.equal(open.http, 200);
        assert.equal(open.status, 410);
        assert.deepEqual(open.messages, []);
        assert.match(open.token, /^lp1\.\d+\.\d+\.\d+\.\d+\.[0-9a-f]{32}$/);
        const token = open.token;
        // The session is a connection of its owner, counted by status (exactly: see the expiry
        // test; the readiness probe's socket may still be open here).
        await waitFor(() => connections(srv.port) >= 1, 5000, 'the session counted');

        // Several sends, each on a new connection: some land on the other worker.
        for (let i = 0; i < 6; i++) {
            const msgs = [JSON.stringify([`${i}`, `${i}`, `room-${i}`, 'phx_join', {}])];
            if (i === 0) msgs.push(JSON.stringify([null, 'h', 'phoenix', 'heartbeat', {}]));
            const r = await longPoll(srv.port, 'POST', token, msgs.join('\n'));
            assert.deepEqual(r, { http: 200, status: 200 });
        }
        const replies = await pollUntil(srv.port, token, (m) => m.filter((x) => x[3] === 'phx_reply').length === 7, 'join replies');
        for (let i = 0; i < 6; i++)
            assert.ok(replies.some((x) => x[2] === `room-${i}` && x[4].status === 'ok'), `joined room-${i}`);

        // An HTTP API trigger reaches the session through a held poll.
        const held = longPoll(srv.port, 'GET', token);
        await sleep(200);
        await serverSdk(srv.port).trigger('room-3', 'news', { n: 1 });
        const r = await held;
        assert.equal(r.status, 200);
        assert.deepEqual(JSON.parse(r.messages[0]), [null, null, 'room-3', 'news', { n: 1 }]);
    } finally {
        await srv.stop();
    }
});

test('longpoll: 410 for foreign, forged and ended sessions; 204 after the hold; expiry', async () => {
    const srv = await startShoal({ mode: 'serve', workers: 2 });
    try {
        // Signed with another secret: not this server's; a GET then starts a new session.
        const body = 'lp1.0.1.1.1';
        const foreign = `${body}.${createHmac('sha256', 'other-secret').update(body).digest('hex').slice(0, 32)}`;
        assert.equal((await longPoll(srv.port, 'POST', foreign, '[]')).status, 410);
        const g = await longPoll(srv.port, 'GET', foreign);
        assert.equal(g.status, 410);
        assert.notEqual(g.token, foreign);
        assert.equal((await longPoll(srv.port, 'POST', 'garbage', '[]')).status, 410);
        // vsn 2 only, as on /socket/websocket.
        assert.equal((await longPoll(srv.port, 'GET', null, null, 'vsn=1.0.0')).http, 400);

        const { token } = await longPoll(srv.port, 'GET', null);
        const t0 = Date.now();
        const idle = await longPoll(srv.port, 'GET', token);
        assert.equal(idle.status, 204);
        assert.ok(Date.now() - t0 >= 9000, 'held until the window');
        assert.equal(idle.token, token);
        // No poll for longer than the window: the session ends, its token answers 410.
        await waitFor(() => connections(srv.port) === 0, 20000, 'every session ended');
        const gone = await longPoll(srv.port, 'GET', token);
        assert.equal(gone.status, 410);
        assert.equal(gone.token, null);
        assert.equal((await longPoll(srv.port, 'POST', token, '[]')).status, 410);
    } finally {
        await srv.stop();
    }
});

test('longpoll: sessions count against --max-connections', async () => {
    const srv = await startShoal({ mode: 'worker', args: ['--max-connections', '3'] });
    try {
        // Sessions and sockets share the cap (the readiness probe's socket may still be open).
        let opened = 0;
        for (;;) {
            const r = await httpRequest(srv.port, 'GET', '/socket/longpoll?vsn=2.0.0');
            if (r.status === 503) break;
            assert.equal(JSON.parse(r.body).status, 410);
            opened++;
            assert.ok(opened <= 3, 'refused past the cap');
        }
        // Closed sockets may not be freed yet when the next one arrives: at least one session.
        assert.ok(opened >= 1, `${opened} sessions before the cap`);
    } finally {
        await srv.stop();
    }
});
