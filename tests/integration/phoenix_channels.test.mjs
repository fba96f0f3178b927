// SPDX-License-Identifier: MIT
// test-labels: integration worker
// test-timeout: 90
// The real phoenix.js client against one worker: join, push and reply, broadcast to the others,
// leave, heartbeats, token-guarded topics, and errors answered as Phoenix answers them.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startShoal, sleep } from '../clients/shoal_server.mjs';
import { connectPhoenix, join, push, nextEvent, userToken, phoenixToken, waitFor } from '../clients/phoenix_client.mjs';

let srv;
before(async () => { srv = await startShoal({ mode: 'worker' }); });
after(async () => { await srv.stop(); });

test('phoenix: join, push with a reply, broadcast to the other members, leave', async () => {
    const a = connectPhoenix(srv.port);
    const b = connectPhoenix(srv.port);
    try {
        const ca = a.channel('room:lobby', {});
        const cb = b.channel('room:lobby', {});
        await join(ca);
        await join(cb);
        let echoed = 0;
        ca.on('shout', () => { echoed++; });
        const got = nextEvent(cb, 'shout');
        assert.deepEqual(await push(ca, 'shout', { body: 'hi' }), {});
        assert.deepEqual(await got, { body: 'hi' });
        await sleep(100);
        assert.equal(echoed, 0, 'the sender does not get its own push back');

        await new Promise((resolve) => ca.leave().receive('ok', resolve));
        let afterLeave = 0;
        ca.on('shout', () => { afterLeave++; });
        await push(cb, 'shout', { body: 'again' });
        await sleep(100);
        assert.equal(afterLeave, 0, 'a channel that left gets nothing');
    } finally {
        a.disconnect();
        b.disconnect();
    }
});

test('phoenix: heartbeats on topic "phoenix" are answered and keep the socket open', async () => {
    const s = connectPhoenix(srv.port, {}, { heartbeatIntervalMs: 50 });
    let replies = 0;
    s.onMessage((m) => { if (m.topic === 'phoenix' && m.event === 'phx_reply' && m.payload.status === 'ok') replies++; });
    try {
        await waitFor(() => replies >= 4, 5000, 'four heartbeat replies');
        assert.equal(s.isConnected(), true);
    } finally {
        s.disconnect();
    }
});

test('phoenix: private and presence topics need a valid, unexpired token', async () => {
    const anon = connectPhoenix(srv.port);
    const expired = connectPhoenix(srv.port, { token: phoenixToken({ user_id: 'u', exp: 1000 }) });
    const forged = connectPhoenix(srv.port, { token: phoenixToken({ user_id: 'u', exp: 4e9 }, 'wrong-secret') });
    const good = connectPhoenix(srv.port, { token: userToken('u1', { name: 'Ann' }) });
    try {
        for (const [s, topic] of [[anon, 'private:a'], [anon, 'presence:a'], [expired, 'private:a'], [forged, 'private:a']]) {
            await assert.rejects(join(s.channel(topic, {})), (e) => {
                assert.deepEqual(e.reply, { reason: 'unauthorized' });
                return true;
            });
        }
        await join(good.channel('private:a', {}));
        await join(anon.channel('public:a', {}));
    } finally {
        for (const s of [anon, expired, forged, good]) s.disconnect();
    }
});

// Raw frames, to see exactly what the server answers.
function rawClient(port) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0`);
    const frames = [];
    let closed = null;
    ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
    ws.on('close', (code) => { closed = code; });
    return {
        ws, frames, closed: () => closed,
        opened: new Promise((r, j) => ws.on('open', r).on('error', j)),
        send: (m) => ws.send(JSON.stringify(m)),
    };
}

test('phoenix: a second join of the same topic closes the first, as Phoenix does', async () => {
    const c = rawClient(srv.port);
    await c.opened;
    try {
        c.send(['1', '1', 'room:dup', 'phx_join', {}]);
        c.send(['2', '2', 'room:dup', 'phx_join', {}]);
        await waitFor(() => c.frames.length >= 3, 3000, 'three frames');
        assert.deepEqual(c.frames[0], ['1', '1', 'room:dup', 'phx_reply', { status: 'ok', response: {} }]);
        assert.deepEqual(c.frames[1], ['1', '1', 'room:dup', 'phx_close', {}]);
        assert.deepEqual(c.frames[2], ['2', '2', 'room:dup', 'phx_reply', { status: 'ok', response: {} }]);
    } finally {
        c.ws.close();
    }
});

test('phoenix: a push to a topic not joined gets an error reply; garbage closes only that socket', async () => {
    const c = rawClient(srv.port);
    const healthy = connectPhoenix(srv.port);
    await c.opened;
    try {
        c.send([null, '5', 'room:nowhere', 'shout', {}]);
        await waitFor(() => c.frames.length >= 1, 3000, 'a reply');
        assert.deepEqual(c.frames[0], [null, '5', 'room:nowhere', 'phx_reply',
                                       { status: 'error', response: { reason: 'unmatched topic' } }]);
        c.ws.send('this is not a phoenix frame');
        await waitFor(() => c.closed() !== null, 3000, 'the close');
        assert.equal(c.closed(), 1003);
        const ch = healthy.channel('room:still', {});
        await join(ch);
        assert.deepEqual(await push(ch, 'ping', {}), {});
    } finally {
        healthy.disconnect();
    }
});

test('phoenix: an unsupported serializer version is refused at the upgrade', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/socket/websocket?vsn=1.0.0`);
    const status = await new Promise((resolve) => {
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
        ws.on('open', () => resolve(101));
        ws.on('error', () => {});
    });
    assert.equal(status, 400);
});
