// SPDX-License-Identifier: MIT
// test-labels: integration supervisor deflate
// test-timeout: 120
// permessage-deflate with Node's ws (perMessageDeflate on, as every browser offers it) against
// `shoal serve --workers 2 --compression shared`: broadcasts arrive compressed (seen on the wire by
// a raw socket beside the ws clients, and smaller than the plain event), client events sent
// compressed reach the other members, a compression bomb is closed with 1009; the same over
// wss:// with a test CA; and dedicated mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { inflateRawSync, deflateRawSync, constants as zlib } from 'node:zlib';
import WebSocket from 'ws';
import { startShoal, waitFor, APP } from '../clients/shoal_server.mjs';
import { serverSdk } from '../clients/pusher_clients.mjs';
import { makeTestCa } from '../clients/test_ca.mjs';

let srv;
before(async () => {
    srv = await startShoal({ mode: 'serve', workers: 2,
                             args: ['--compression', 'shared', '--compression-threshold', '128',
                                    '--max-message-bytes', '65536'] });
});
after(async () => {
    const r = await srv?.stop();
    if (r) assert.equal(r.code, 0, srv.logs());
});

// A Pusher client over ws with permessage-deflate; resolves once subscribed to `channel`.
async function pusherWs(url, channel, { channelAuth, ...opts } = {}) {
    const ws = new WebSocket(`${url}/app/${APP.key}?protocol=7`, { perMessageDeflate: { threshold: 0 }, ...opts });
    const events = [];
    let extensions = '';
    ws.on('upgrade', (res) => { extensions = res.headers['sec-websocket-extensions'] ?? ''; });
    ws.on('message', (m) => events.push(JSON.parse(m)));
    await waitFor(() => events.length === 1, 5000, 'connection_established');
    const socketId = JSON.parse(events[0].data).socket_id;
    ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel, ...(channelAuth ? { auth: channelAuth(socketId) } : {}) } }));
    await waitFor(() => events.some((e) => e.event === 'pusher_internal:subscription_succeeded'), 5000, 'subscribed');
    return { ws, events, extensions: () => extensions, socketId };
}

// A raw socket speaking RFC 6455 itself: offers permessage-deflate and records every frame's
// RSV1 bit and payload, so the test sees what is on the wire.
function rawDeflateClient(port, channel) {
    return new Promise((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1');
        const frames = [];
        let head = null, buf = Buffer.alloc(0), total = 0;
        const send = (text, { compress = false } = {}) => {
            let payload = Buffer.from(text);
            if (compress) payload = deflateRawSync(payload, { finishFlush: zlib.Z_SYNC_FLUSH }).subarray(0, -4);
            s.write(maskedFrame(payload, compress));
        };
        s.on('connect', () => s.write(`GET /app/${APP.key}?protocol=7 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n` +
            'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
            'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n'));
        s.on('data', (d) => {
            total += d.length;
            buf = Buffer.concat([buf, d]);
            if (!head) {
                const end = buf.indexOf('\r\n\r\n');
                if (end < 0) return;
                head = buf.subarray(0, end).toString();
                buf = buf.subarray(end + 4);
            }
            for (;;) {
                if (buf.length < 2) break;
                let len = buf[1] & 0x7f, at = 2;
                if (len === 126) { if (buf.length < 4) break; len = buf.readUInt16BE(2); at = 4; }
                if (len === 127) { if (buf.length < 10) break; len = Number(buf.readBigUInt64BE(2)); at = 10; }
                if (buf.length < at + len) break;
                const rsv1 = (buf[0] & 0x40) !== 0, op = buf[0] & 0x0f;
                const raw = buf.subarray(at, at + len);
                buf = buf.subarray(at + len);
                const text = rsv1 ? inflateRawSync(Buffer.concat([raw, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlib.Z_SYNC_FLUSH }).toString() : raw.toString();
                frames.push({ rsv1, op, wireBytes: at + len, text, code: op === 8 ? raw.readUInt16BE(0) : undefined });
                if (frames.length === 1) send(JSON.stringify({ event: 'pusher:subscribe', data: { channel } }));
                if (text.includes('subscription_succeeded')) resolve({ s, frames, head: () => head, send, bytes: () => total });
            }
        });
        s.on('error', reject);
    });
}

function maskedFrame(payload, rsv1, op = 1) {
    const mask = Buffer.from([1, 2, 3, 4]);
    const len = payload.length;
    const header = len < 126 ? Buffer.from([0x80 | (rsv1 ? 0x40 : 0) | op, 0x80 | len])
        : len < 65536 ? Buffer.from([0x80 | (rsv1 ? 0x40 : 0) | op, 0x80 | 126, len >> 8, len & 0xff])
            : (() => { const h = Buffer.alloc(10); h[0] = 0x80 | (rsv1 ? 0x40 : 0) | op; h[1] = 0x80 | 127; h.writeBigUInt64BE(BigInt(len), 2); return h; })();
    const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
    return Buffer.concat([header, mask, body]);
}

const kilobyteEvent = (i) => ({ seq: i, items: Array.from({ length: 18 }, (_, k) => ({ id: k, name: `item-${k}`, price: 100 + k, tags: ['a', 'b'] })) });

test('ws clients get compressed broadcasts; a raw socket beside them sees the compressed frame', async () => {
    const a = await pusherWs(srv.url, 'deflate-news');
    const b = await pusherWs(srv.url, 'deflate-news');
    const raw = await rawDeflateClient(srv.port, 'deflate-news');
    try {
        assert.equal(a.extensions(), 'permessage-deflate; server_no_context_takeover; client_no_context_takeover');
        assert.match(raw.head(), /Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover/);
        const data = kilobyteEvent(1);
        assert.ok(JSON.stringify(data).length >= 1000 && JSON.stringify(data).length < 1200);
        await serverSdk(srv.port).trigger('deflate-news', 'update', data);
        await waitFor(() => a.events.length === 3 && b.events.length === 3 && raw.frames.length === 3, 5000, 'the event everywhere');
        for (const c of [a, b]) assert.deepEqual(JSON.parse(c.events[2].data), data);
        const frame = raw.frames[2];
        assert.equal(frame.rsv1, true, 'the broadcast is compressed on the wire');
        assert.deepEqual(JSON.parse(JSON.parse(frame.text).data), data);
        assert.ok(frame.wireBytes < frame.text.length / 2, `${frame.wireBytes} bytes for a ${frame.text.length}-byte event`);
        // Small frames (the subscription reply) go out as they are.
        assert.equal(raw.frames[1].rsv1, false);
    } finally {
        a.ws.close(); b.ws.close(); raw.s.destroy();
    }
});

test('client events sent compressed reach the other members', async () => {
    const sdk = serverSdk(srv.port);
    const auth = (socketId) => sdk.authorizeChannel(socketId, 'private-deflate').auth;
    const a = await pusherWs(srv.url, 'private-deflate', { channelAuth: auth });
    const b = await pusherWs(srv.url, 'private-deflate', { channelAuth: auth });
    const raw = await rawDeflateClient(srv.port, 'deflate-raw');
    try {
        const data = { text: 'x'.repeat(600) };
        a.ws.send(JSON.stringify({ event: 'client-note', channel: 'private-deflate', data }));  // ws compresses it
        await waitFor(() => b.events.some((e) => e.event === 'client-note'), 5000, 'the client event');
        assert.deepEqual(b.events.find((e) => e.event === 'client-note').data, data);
        assert.equal(a.events.some((e) => e.event === 'client-note'), false);
        // The raw client sends a compressed ping and gets the pong.
        raw.send(JSON.stringify({ event: 'pusher:ping', data: {} }), { compress: true });
        await waitFor(() => raw.frames.some((f) => f.text.includes('pusher:pong')), 5000, 'pong to a compressed ping');
    } finally {
        a.ws.close(); b.ws.close(); raw.s.destroy();
    }
});

test('a compression bomb is closed with 1009; the server serves on', async () => {
    const raw = await rawDeflateClient(srv.port, 'bomb');
    const bomb = deflateRawSync(Buffer.alloc(32 << 20, 0x20), { level: 9, finishFlush: zlib.Z_SYNC_FLUSH }).subarray(0, -4);
    assert.ok(bomb.length < 65536, `the bomb is ${bomb.length} bytes compressed`);
    raw.s.write(maskedFrame(bomb, true));
    await waitFor(() => raw.frames.some((f) => f.op === 8), 5000, 'the close frame');
    assert.equal(raw.frames.find((f) => f.op === 8).code, 1009);
    raw.s.destroy();
    const again = await pusherWs(srv.url, 'after-bomb');
    again.ws.close();
});

test('over wss:// too: compressed broadcasts inside TLS', async () => {
    const ca = makeTestCa();
    const { cert, key } = ca.issue('srv', 'localhost');
    const tlsSrv = await startShoal({ mode: 'worker', tlsCa: ca.ca,
                                      args: ['--tls-cert', cert, '--tls-key', key, '--compression', 'shared'] });
    try {
        const c = await pusherWs(tlsSrv.url, 'tls-deflate', { ca: ca.ca });
        assert.match(c.extensions(), /server_no_context_takeover/);
        const before = c.ws._socket.bytesRead;
        const data = kilobyteEvent(2);
        const https = await import('node:https');
        const PusherServer = (await import('pusher')).default;
        await new PusherServer({ appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1', port: String(tlsSrv.port),
                                 useTLS: true, agent: new https.Agent({ ca: ca.ca }) }).trigger('tls-deflate', 'update', data);
        await waitFor(() => c.events.length === 3, 5000, 'the event');
        assert.deepEqual(JSON.parse(c.events[2].data), data);
        // The ciphertext read for it is well under the event's plain size.
        assert.ok(c.ws._socket.bytesRead - before < JSON.stringify(data).length / 2);
        c.ws.close();
    } finally {
        await tlsSrv.stop();
        ca.remove();
    }
});

test('dedicated mode: context kept per connection, still correct for ws', async () => {
    const ded = await startShoal({ mode: 'worker', args: ['--compression', 'dedicated', '--compression-threshold', '64'] });
    try {
        const c = await pusherWs(ded.url, 'dedicated');
        assert.equal(c.extensions(), 'permessage-deflate; client_no_context_takeover');
        const sdk = serverSdk(ded.port);
        for (let i = 0; i < 5; i++) await sdk.trigger('dedicated', 'update', kilobyteEvent(i));
        await waitFor(() => c.events.length === 7, 5000, 'five events');
        for (let i = 0; i < 5; i++) assert.deepEqual(JSON.parse(c.events[2 + i].data), kilobyteEvent(i));
        c.ws.close();
    } finally {
        await ded.stop();
    }
});
