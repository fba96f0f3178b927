// SPDX-License-Identifier: MIT
// A small stand-in Pusher server for testing the load generator before (or without) shoal:
// WebSocket /app/KEY with connection_established, subscribe (private channels checked),
// pusher:ping, client events; and POST /apps/ID/batch_events with the signature checked.
// Usage: node fake_pusher_server.mjs [port]   (prints "listening PORT"; 127.0.0.1 only)
import http from 'node:http';
import crypto from 'node:crypto';
import { WebSocketServer } from 'ws';

const APP = { id: 'app-id', key: 'app-key', secret: 'app-secret' };
const hmac = (s) => crypto.createHmac('sha256', APP.secret).update(s).digest('hex');
const channels = new Map(); // name -> Set(ws)
let nextSocket = 1;
const stats = { requests: 0, rejected: 0, events: 0 };

function deliver(channel, name, data, except) {
    const subs = channels.get(channel);
    if (!subs) return;
    const frame = JSON.stringify({ event: name, channel, data });
    for (const ws of subs) if (ws !== except) ws.send(frame);
}

function checkSignature(req, url, body) {
    const q = url.searchParams;
    if (q.get('auth_key') !== APP.key || q.get('auth_version') !== '1.0') return false;
    if (q.get('body_md5') !== crypto.createHash('md5').update(body).digest('hex')) return false;
    const keys = [...q.keys()].filter((k) => k !== 'auth_signature').sort();
    const query = keys.map((k) => `${k}=${q.get(k)}`).join('&');
    return hmac(`${req.method}\n${url.pathname}\n${query}`) === q.get('auth_signature');
}

const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
        if (req.method === 'GET' && url.pathname === '/stats') {
            res.writeHead(200, { 'Content-Type': 'application/json' });
            return res.end(JSON.stringify(stats));
        }
        if (req.method !== 'POST' || url.pathname !== `/apps/${APP.id}/batch_events`) {
            res.writeHead(404, { 'Content-Length': 0 });
            return res.end();
        }
        stats.requests++;
        if (!checkSignature(req, url, body)) {
            stats.rejected++;
            res.writeHead(401, { 'Content-Type': 'application/json' });
            return res.end('{"error":"bad signature"}');
        }
        const { batch } = JSON.parse(body);
        if (!Array.isArray(batch) || batch.length > 10) {
            res.writeHead(400, { 'Content-Length': 0 });
            return res.end();
        }
        for (const e of batch) deliver(e.channel, e.name, e.data);
        stats.events += batch.length;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ batch: batch.map(() => ({})) }));
    });
});

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
    if (!req.url.startsWith(`/app/${APP.key}`)) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
        const socketId = `${nextSocket++}.${Math.floor(Math.random() * 1e6)}`;
        const mine = new Set();
        ws.send(JSON.stringify({ event: 'pusher:connection_established',
            data: JSON.stringify({ socket_id: socketId, activity_timeout: 120 }) }));
        ws.on('message', (raw) => {
            let m;
            try { m = JSON.parse(raw); } catch { return ws.close(4000, 'bad json'); }
            if (m.event === 'pusher:ping') return ws.send('{"event":"pusher:pong","data":"{}"}');
            if (m.event === 'pusher:subscribe') {
                const ch = m.data.channel;
                if (ch.startsWith('private-') &&
                    m.data.auth !== `${APP.key}:${hmac(`${socketId}:${ch}`)}`) {
                    return ws.send(JSON.stringify({ event: 'pusher:error',
                        data: { code: 4009, message: 'unauthorized' } }));
                }
                if (!channels.has(ch)) channels.set(ch, new Set());
                channels.get(ch).add(ws);
                mine.add(ch);
                return ws.send(JSON.stringify({ event: 'pusher_internal:subscription_succeeded',
                    channel: ch, data: '{}' }));
            }
            if (m.event.startsWith('client-') && mine.has(m.channel) &&
                m.channel.startsWith('private-')) {
                stats.events++;
                deliver(m.channel, m.event, m.data, ws);
            }
        });
        ws.on('close', () => { for (const ch of mine) channels.get(ch)?.delete(ws); });
    });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
    console.log(`listening ${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
