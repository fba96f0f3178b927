// SPDX-License-Identifier: MIT
// Hostile inputs for the soak (asan_soak.mjs): each action opens its own connection, misbehaves
// in one way and resolves with the answer it got ("http 408", "close 1008", "pusher:error 4009",
// ...), or "unanswered" when none came within ANSWER_MS. Every one of them has a clear answer in
// docs/worker_net.md or docs/pusher.md; none may crash a worker.
import net from 'node:net';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { APP } from '../clients/shoal_server.mjs';
import { userToken } from '../clients/phoenix_client.mjs';

const ANSWER_MS = 8000;
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function maskedFrame(opcode, payload, { fin = true, mask = true } = {}) {
    const p = Buffer.from(payload);
    const head = [(fin ? 0x80 : 0) | opcode];
    const m = mask ? 0x80 : 0;
    if (p.length < 126) head.push(m | p.length);
    else head.push(m | 126, p.length >> 8, p.length & 0xff);
    if (!mask) return Buffer.concat([Buffer.from(head), p]);
    const key = randomBytes(4);
    const body = Buffer.from(p.map((b, i) => b ^ key[i % 4]));
    return Buffer.concat([Buffer.from(head), key, body]);
}

// Reads server frames from a byte stream; calls onFrame(opcode, payload) for each whole one.
function frameReader(onFrame) {
    let buf = Buffer.alloc(0);
    return (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        for (;;) {
            if (buf.length < 2) return;
            let len = buf[1] & 0x7f;
            let at = 2;
            if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); at = 4; }
            else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); at = 10; }
            if (buf.length < at + len) return;
            onFrame(buf[0] & 0x0f, buf.subarray(at, at + len));
            buf = buf.subarray(at + len);
        }
    };
}

// Sends `bytes` on a fresh TCP connection and resolves with the HTTP status of the answer.
function httpRaw(port, bytes) {
    return new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        let got = '';
        const done = (o) => { clearTimeout(t); s.destroy(); resolve(o); };
        const t = setTimeout(() => done('unanswered'), ANSWER_MS);
        s.on('connect', () => s.write(bytes));
        s.on('data', (d) => {
            got += d.toString('latin1');
            const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
            if (m) done(`http ${m[1]}`);
        });
        s.on('error', () => done(got ? 'http garbled' : 'error'));
        s.on('close', () => done(got ? 'http garbled' : 'closed silently'));
    });
}

// Upgrades on a raw socket (Pusher path), waits for connection_established, sends `bytes`, and
// resolves with the close code the server answers with.
function wsRaw(port, bytes) {
    return new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        let head = '';
        let upgraded = false;
        const done = (o) => { clearTimeout(t); s.destroy(); resolve(o); };
        const t = setTimeout(() => done('unanswered'), ANSWER_MS);
        const read = frameReader((op, payload) => {
            if (op === 0x1 && !s.sent) {
                s.sent = true;
                s.write(bytes);
            } else if (op === 0x8) {
                done(`close ${payload.length >= 2 ? payload.readUInt16BE(0) : 1005}`);
            }
        });
        s.on('connect', () => s.write(
            `GET /app/${APP.key}?protocol=7 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n` +
            `Connection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`));
        s.on('data', (d) => {
            if (upgraded) return read(d);
            head += d.toString('latin1');
            const end = head.indexOf('\r\n\r\n');
            if (end < 0) return;
            if (!head.startsWith('HTTP/1.1 101')) return done(`http ${head.slice(9, 12)}`);
            upgraded = true;
            read(Buffer.from(head.slice(end + 4), 'latin1'));
        });
        s.on('error', () => done('error'));
        s.on('close', () => done('eof'));
    });
}

// A WebSocket client (the `ws` package) that sends `text` and resolves with the first answer:
// a pusher:error code, a phoenix reply status, or the close code.
function wsText(url, text) {
    return new Promise((resolve) => {
        const ws = new WebSocket(url);
        const done = (o) => { clearTimeout(t); ws.terminate(); resolve(o); };
        const t = setTimeout(() => done('unanswered'), ANSWER_MS);
        let sent = false;
        const send = () => { if (!sent) { sent = true; ws.send(text); } };
        ws.on('open', () => { if (url.includes('/socket/')) send(); });
        ws.on('message', (m) => {
            const s = m.toString();
            if (!sent) return send();  // Pusher: after connection_established
            try {
                const j = JSON.parse(s);
                if (typeof j.event === 'string' && j.event.endsWith('error')) {
                    const d = typeof j.data === 'string' ? JSON.parse(j.data) : j.data;
                    return done(`${j.event} ${d?.code ?? d?.status ?? ''}`.trim());
                }
                if (Array.isArray(j) && j[3] === 'phx_reply') return done(`phx_reply ${j[4].status}`);
            } catch { /* not JSON: keep reading */ }
        });
        ws.on('close', (code) => done(`close ${code}`));
        ws.on('error', () => done('error'));
    });
}

// A signed Pusher HTTP API request with a raw body (the SDK would only send valid JSON).
function signedApi(port, body) {
    const path = `/apps/${APP.id}/events`;
    const q = `auth_key=${APP.key}&auth_timestamp=${Math.floor(Date.now() / 1000)}` +
              `&auth_version=1.0&body_md5=${createHash('md5').update(body).digest('hex')}`;
    const sig = createHmac('sha256', APP.secret).update(`POST\n${path}\n${q}`).digest('hex');
    return httpRaw(port, Buffer.concat([
        Buffer.from(`POST ${path}?${q}&auth_signature=${sig} HTTP/1.1\r\nHost: x\r\n` +
                    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`),
        body]));
}

export function hostileActions(port) {
    const pusherUrl = `ws://127.0.0.1:${port}/app/${APP.key}?protocol=7`;
    const phoenixUrl = `ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0&token=${userToken('hostile')}`;
    const deep = (n) => '['.repeat(n) + ']'.repeat(n);
    return [
        ['garbage', () => httpRaw(port, Buffer.concat([randomBytes(200), Buffer.from('\r\n\r\n')]))],
        ['slow head', () => httpRaw(port, 'GET /ready HTTP/1.1\r\nHost: x\r\n')],
        ['slow body', () => httpRaw(port, `POST /apps/${APP.id}/events HTTP/1.1\r\nContent-Length: 100\r\n\r\n{`)],
        ['huge head', () => httpRaw(port, `GET / HTTP/1.1\r\nX: ${'a'.repeat(10000)}\r\n\r\n`)],
        ['huge body', () => httpRaw(port, `POST /apps/${APP.id}/events HTTP/1.1\r\nContent-Length: 50000000\r\n\r\n`)],
        ['unsigned api', () => httpRaw(port, `POST /apps/${APP.id}/events HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}`)],
        ['bad json api', () => signedApi(port, Buffer.from('{"name":"e","channel":'))],
        ['bad utf8 api', () => signedApi(port, Buffer.concat([
            Buffer.from('{"name":"e","channel":"soak-seq","data":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]))],
        ['cut frame', () => wsRaw(port, maskedFrame(1, 'x'.repeat(50)).subarray(0, 20))],
        ['cut header', () => wsRaw(port, maskedFrame(1, 'x'.repeat(50)).subarray(0, 3))],
        ['bad utf8 frame', () => wsRaw(port, maskedFrame(1, Buffer.from([0x7b, 0xc0, 0xaf])))],
        ['unmasked frame', () => wsRaw(port, maskedFrame(1, '{}', { mask: false }))],
        ['huge length', () => wsRaw(port, Buffer.from([0x82, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4]))],
        ['random frames', () => wsRaw(port, randomBytes(64))],
        ['bad json', () => wsText(pusherUrl, '{"event":')],
        ['deep json', () => wsText(pusherUrl, `{"event":"client-x","channel":"private-x","data":${deep(20000)}}`)],
        ['no auth', () => wsText(pusherUrl, '{"event":"pusher:subscribe","data":{"channel":"private-x"}}')],
        ['phoenix deep json', () => wsText(phoenixUrl, deep(30000))],
        ['phoenix bad topic', () => wsText(phoenixUrl, '["1","1","","phx_join",{}]')],
        ['phoenix surrogate', () => wsText(phoenixUrl, '["1","1","t","phx_join",{"a":"\\udc00"}]')],
    ];
}
