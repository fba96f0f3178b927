// SPDX-License-Identifier: MIT
// Deliveries/s and latency of one channel's events to N WebSocket (Pusher protocol 7), N SSE and
// N Phoenix long-poll clients of the same `shoal serve`, in one run: every event reaches all
// three groups, so the numbers compare the transports under the same load. One Node process
// holds every client (the measuring side is part of what is measured: see docs/benchmarks.md).
//   node bench/fallback/fallback_bench.mjs --bin build/supervisor/shoal [--clients 1000]
//        [--events 200] [--rate 20] [--workers 2]
// Node modules come from tests/node_modules (ws, pusher): run `npm ci` there first.
import { spawn, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(new URL('../../tests/package.json', import.meta.url));
const WebSocket = require('ws');
const PusherServer = require('pusher');

const arg = (name, def) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : def;
};
const BIN = arg('bin', 'build/supervisor/shoal');
const N = Number(arg('clients', 1000));
const EVENTS = Number(arg('events', 200));
const RATE = Number(arg('rate', 20));
const WORKERS = Number(arg('workers', 2));
const PORT = Number(arg('port', 46000 + Math.floor(Math.random() * 1000)));
const APP = { id: 'app-id', key: 'app-key', secret: 'app-secret' };
const CHANNEL = 'bench';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const groups = { websocket: [], sse: [], longpoll: [] };  // latencies (ms) per delivery
// Absolute milliseconds with sub-ms precision, comparable across the processes of one run.
const clock = () => performance.timeOrigin + performance.now();
let lastAt = 0;  // when this process got its last delivery
const record = (group, t) => {
    lastAt = clock();
    groups[group].push(lastAt - t);
};

async function waitReady() {
    for (let i = 0; i < 200; i++) {
        const ok = await new Promise((r) => http.get({ host: '127.0.0.1', port: PORT, path: '/ready', agent: false },
                                                    (res) => { res.resume(); r(res.statusCode === 200); })
            .on('error', () => r(false)));
        if (ok) return;
        await sleep(50);
    }
    throw new Error('shoal not ready');
}

function wsClient() {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${PORT}/app/${APP.key}?protocol=7`, { perMessageDeflate: false });
        ws.on('message', (raw) => {
            const m = JSON.parse(raw.toString());
            if (m.event === 'pusher:connection_established')
                ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: CHANNEL } }));
            else if (m.event === 'pusher_internal:subscription_succeeded') resolve(ws);
            else if (m.event === 'tick') record('websocket', JSON.parse(m.data).t);
        });
        ws.on('error', reject);
    });
}

function sseClient() {
    return new Promise((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: PORT, path: `/app/${APP.key}/sse?channel=${CHANNEL}`, agent: false }, (res) => {
            res.setEncoding('utf8');
            let buf = '';
            let open = false;
            res.on('data', (d) => {
                buf += d;
                let at;
                while ((at = buf.indexOf('\n\n')) >= 0) {
                    const block = buf.slice(0, at);
                    buf = buf.slice(at + 2);
                    if (!open) { open = true; resolve(req); continue; }
                    const line = block.split('\n').find((l) => l.startsWith('data: '));
                    if (line) record('sse', JSON.parse(JSON.parse(line.slice(6)).data).t);
                }
            });
        });
        req.on('error', reject);
    });
}

// A Phoenix long-poll client as phoenix.js runs it: open, join by POST, poll in a loop.
async function longPollClient() {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    const request = (method, token, body) => new Promise((resolve, reject) => {
        const headers = body ? { 'content-type': 'application/x-ndjson', 'content-length': Buffer.byteLength(body) } : {};
        const q = token ? `vsn=2.0.0&token=${encodeURIComponent(token)}` : 'vsn=2.0.0';
        const req = http.request({ host: '127.0.0.1', port: PORT, method, path: `/socket/longpoll?${q}`, agent, headers }, (res) => {
            let data = '';
            res.setEncoding('utf8');
            res.on('data', (d) => { data += d; });
            res.on('end', () => resolve(JSON.parse(data)));
        });
        req.on('error', reject);
        if (body) req.write(body);
        req.end();
    });
    const { token } = await request('GET', null);
    await request('POST', token, JSON.stringify(['1', '1', CHANNEL, 'phx_join', {}]));
    let joined;
    const isJoined = new Promise((r) => { joined = r; });
    const c = { stop: false };
    (async () => {
        while (!c.stop) {
            const r = await request('GET', token).catch(() => ({ status: 0 }));
            if (r.status !== 200) continue;
            for (const text of r.messages) {
                const [, , , event, payload] = JSON.parse(text);
                if (event === 'phx_reply') joined();
                else if (event === 'tick') record('longpoll', payload.t);
            }
        }
        agent.destroy();
    })();
    await isJoined;
    return c;
}

function pct(sorted, p) {
    return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

// Each transport's clients run in a process of their own (this script with --role), so one
// group's parsing does not delay another's; the parent starts shoal and publishes.
const ROLE = arg('role', null);
if (ROLE) {
    const make = { websocket: wsClient, sse: sseClient, longpoll: longPollClient }[ROLE];
    const clients = [];
    for (let i = 0; i < N; i += 50)
        clients.push(...(await Promise.all(Array.from({ length: Math.min(50, N - i) }, make))));
    process.send({ ready: true });
    process.on('message', (m) => {
        if (m.count) return process.send({ count: groups[ROLE].length });
        const lat = groups[ROLE].sort((a, b) => a - b);
        process.send({ stats: { deliveries: lat.length, p50_ms: +pct(lat, 50).toFixed(1),
                                p99_ms: +pct(lat, 99).toFixed(1), max_ms: +pct(lat, 100).toFixed(1),
                                last_at: lastAt } });
        process.exit(0);
    });
} else {
    await parent();
}

async function parent() {
const shoal = spawn(BIN, ['serve', '--port', String(PORT), '--workers', String(WORKERS),
                          '--bus-name', `shoal-bench-${PORT}`, '--log-level', 'warn'],
                    { stdio: ['ignore', 'inherit', 'inherit'] });
const kids = [];
try {
    await waitReady();
    const started = performance.now();
    const ask = (k, msg, key) => new Promise((r) => { k.once('message', (m) => r(m[key])); k.send(msg); });
    for (const role of Object.keys(groups)) {
        const k = fork(fileURLToPath(import.meta.url), [...process.argv.slice(2), '--role', role, '--port', String(PORT)]);
        kids.push(k);
    }
    await Promise.all(kids.map((k) => new Promise((r) => k.once('message', r))));
    console.error(`connected ${N} x 3 clients in ${Math.round(performance.now() - started)} ms`);
    await sleep(1000);
    const sdk = new PusherServer({ appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1',
                                   port: String(PORT), useTLS: false,
                                   agent: new http.Agent({ keepAlive: true, maxSockets: 1 }) });
    const t0 = clock();
    const p0 = performance.now();
    for (let i = 0; i < EVENTS; i++) {
        const due = p0 + (i * 1000) / RATE;
        const now = performance.now();
        if (due > now) await sleep(due - now);
        await sdk.trigger(CHANNEL, 'tick', JSON.stringify({ t: clock(), i }));
    }
    const expected = N * EVENTS;
    const deadline = performance.now() + 30000;
    for (;;) {
        const counts = [];
        for (const k of kids) counts.push(await ask(k, { count: true }, 'count'));
        if (counts.every((c) => c >= expected) || performance.now() > deadline) break;
        await sleep(100);
    }
    const out = {};
    const names = Object.keys(groups);
    for (let i = 0; i < kids.length; i++) {
        const st = await ask(kids[i], { stats: true }, 'stats');
        const seconds = (st.last_at - t0) / 1000;
        out[names[i]] = { deliveries: st.deliveries, expected, per_s: Math.round(st.deliveries / seconds),
                          p50_ms: st.p50_ms, p99_ms: st.p99_ms, max_ms: st.max_ms };
    }
    console.log(JSON.stringify({ clients: N, events: EVENTS, rate: RATE, workers: WORKERS,
                                 publish_seconds: +((clock() - t0) / 1000).toFixed(2), ...out }, null, 1));
} finally {
    for (const k of kids) k.kill('SIGKILL');
    shoal.kill('SIGTERM');
    await new Promise((r) => shoal.on('exit', r));
    process.exit(0);
}
}
