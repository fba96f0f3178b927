// SPDX-License-Identifier: MIT
// The soak that scripts/soak.sh runs against an ASan + UBSan build of `shoal serve --workers 2`
// (docs/hardening.md): rounds of load, each a load phase and a quiet phase.
//   load:  a publisher triggers numbered events on one channel through the HTTP API; healthy
//          pusher-js and phoenix.js clients receive them; churn clients connect, subscribe and
//          leave; hostile inputs hit the port (garbage, slowloris heads and bodies, cut frames,
//          bad frames, bad JSON, deep JSON, bad API calls); at a random moment a random worker
//          may get kill -9.
//   quiet: churn and hostile inputs stop; once every healthy client is back and the workers
//          hold exactly the healthy connections, the RSS of every shoal process is sampled.
// Fails on: a healthy client missing or repeating an event it was owed, a worker exit that was
// not one of our kills, a hostile input left without an answer (unless a kill cut it), an RSS
// above its baseline plus the tolerance, a server that does not stop cleanly. The sanitizer logs
// are checked by scripts/soak.sh after the server has exited (LeakSanitizer reports at exit).
// Environment: SHOAL_BIN, SOAK_SECONDS (60), SOAK_WORKERS (2), SOAK_RSS_TOLERANCE_MIB (16).
import fs from 'node:fs';
import WebSocket from 'ws';
import { startShoal, shoalStatus, sleep, waitFor, APP } from '../clients/shoal_server.mjs';
import { client, connected, serverSdk, slotOf } from '../clients/cross_worker_clients.mjs';
import { connectPhoenix, join, userToken } from '../clients/phoenix_client.mjs';
import { hostileActions } from './hostile_inputs.mjs';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const WORKERS = Number(process.env.SOAK_WORKERS ?? 2);
const RSS_TOLERANCE_MIB = Number(process.env.SOAK_RSS_TOLERANCE_MIB ?? 16);
const ROUND_MS = 15000;
const LOAD_MS = 11000;
const GRACE_MS = 3000;  // an acked event reaches a subscriber whose worker lives this long
const PUSHER_HEALTHY = 24;
const PHOENIX_HEALTHY = 8;
const CHANNEL = 'soak-seq';
const HOSTILE_IN_FLIGHT = 12;

let seed = Number(process.env.SOAK_SEED ?? 20261204);
const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return (seed >>> 16) % n; };

// One connection of one client, from its subscription to its end: what it was owed and got.
class Session {
    constructor(kind, slot) {
        this.kind = kind;
        this.slot = slot;  // the worker (pusher: from the socket id); null: unknown (phoenix)
        this.from = Date.now();
        this.to = null;
        this.got = new Set();
        this.dups = 0;
        this.reordered = 0;
        this.last = 0;
    }
    receive(seq) {
        if (this.got.has(seq)) this.dups++;
        if (seq < this.last) this.reordered++;
        this.last = Math.max(this.last, seq);
        this.got.add(seq);
    }
    end() { if (this.to === null) this.to = Date.now(); }
    // Owed: triggered after the subscription, acked, and the session (and its worker) lasted
    // until GRACE_MS after the ack.
    owes(ev, kills) {
        if (ev.t1 === null || ev.t0 < this.from) return false;
        const until = ev.t1 + GRACE_MS;
        if (this.to !== null && this.to < until) return false;
        return this.slot === null ||
            !kills.some((k) => k.slot === this.slot && k.t >= this.from && k.t <= until);
    }
}

class PusherHealthy {
    constructor(port, i, sessions) {
        this.i = i;
        this.c = client(port);
        this.session = null;
        this.c.connection.bind('state_change', (s) => {
            if (s.current !== 'connected' && this.session) { this.session.end(); this.session = null; }
        });
        const ch = this.c.subscribe(CHANNEL);
        ch.bind('pusher:subscription_succeeded', () => {
            this.session = new Session('pusher', slotOf(this.c.connection.socket_id));
            sessions.push(this.session);
        });
        ch.bind('seq', (d) => this.session?.receive(d.seq));
    }
    ready() { return this.session !== null; }
    close() { this.session?.end(); this.c.disconnect(); }
}

class PhoenixHealthy {
    constructor(port, i, sessions) {
        this.socket = connectPhoenix(port, { token: userToken(`px${i}`) });
        this.session = null;
        this.socket.onClose(() => { this.session?.end(); this.session = null; });
        const ch = this.socket.channel(CHANNEL, {});
        ch.on('seq', (d) => this.session?.receive(d.seq));
        // phoenix.js rejoins after a reconnect; each join is a new session.
        ch.join().receive('ok', () => {
            this.session = new Session('phoenix', null);
            sessions.push(this.session);
        });
    }
    ready() { return this.session !== null; }
    close() { this.session?.end(); this.socket.disconnect(); }
}

// The process's own memory (RssAnon): heap, stacks, ASan's shadow of them. Not VmRSS, which
// also counts the bus segment's pages: each process touches more of them as the rings fill,
// until every ring has wrapped once (about 90 KiB per round for the supervisor here), which is
// shared memory of fixed size, not memory a connection or an event holds.
function rssKiB(pid, field = 'RssAnon') {
    try {
        const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
        return m ? Number(m[1]) : null;
    } catch { return null; }
}

function slots(port) {
    try { return shoalStatus(port).slots; } catch { return []; }
}

// Like waitFor, for a condition that runs `shoal status` (a process: blocking, so not every 10 ms).
async function waitForStatus(pred, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await sleep(250);
    }
}

// A churn client: connects, subscribes, takes a few events, leaves (pusher-js or phoenix.js), or
// a bare WebSocket that opens and closes.
async function churnOnce(port, sessions) {
    const kind = rnd(3);
    if (kind === 0) {
        const c = client(port);
        try {
            await Promise.race([connected(c), sleep(5000)]);
            const ch = c.subscribe(CHANNEL);
            let s = null;
            ch.bind('pusher:subscription_succeeded', () => {
                s = new Session('pusher', slotOf(c.connection.socket_id));
                sessions.push(s);
            });
            ch.bind('seq', (d) => s?.receive(d.seq));
            c.connection.bind('state_change', (st) => { if (st.current !== 'connected') s?.end(); });
            await sleep(300 + rnd(1500));
            s?.end();
        } finally { c.disconnect(); }
    } else if (kind === 1) {
        const socket = connectPhoenix(port, { token: userToken(`churn${rnd(1000)}`) });
        let s = null;
        socket.onClose(() => s?.end());
        const ch = socket.channel(CHANNEL, {});
        ch.on('seq', (d) => s?.receive(d.seq));
        try {
            await Promise.race([join(ch).then(() => { s = new Session('phoenix', null); sessions.push(s); }),
                                sleep(5000)]);
            await sleep(300 + rnd(1500));
            s?.end();
        } catch { /* a kill cut the join */ } finally { socket.disconnect(); }
    } else {
        await new Promise((resolve) => {
            const ws = new WebSocket(`ws://127.0.0.1:${port}/app/${APP.key}?protocol=7`);
            const done = () => { ws.terminate(); resolve(); };
            ws.on('message', () => ws.close(1000));
            ws.on('close', resolve);
            ws.on('error', done);
            setTimeout(done, 5000);
        });
    }
}

async function main() {
    const srv = await startShoal({
        mode: 'serve', workers: WORKERS, timeoutMs: 60000,
        args: ['--log-format', 'json', '--handshake-timeout-ms', '1000', '--frame-timeout-ms', '500',
               '--close-timeout-ms', '1000'],
    });
    const sdk = serverSdk(srv.port);
    const sessions = [];
    const kills = [];  // { slot, pid, t }
    const events = [];  // { seq, t0, t1 } (t1 null: the trigger failed, delivery unknown)
    const hostile = new Map();  // outcome -> count
    const rss = new Map();  // pid -> [KiB at each quiet point]
    const failures = [];
    let churned = 0;
    const started = Date.now();
    const healthy = [];
    try {
        for (let i = 0; i < PUSHER_HEALTHY; i++) healthy.push(new PusherHealthy(srv.port, i, sessions));
        for (let i = 0; i < PHOENIX_HEALTHY; i++) healthy.push(new PhoenixHealthy(srv.port, i, sessions));
        await waitFor(() => healthy.every((h) => h.ready()), 60000, 'the healthy clients subscribed');

        const rounds = Math.max(1, Math.round(SECONDS * 1000 / ROUND_MS));
        let seq = 0;
        for (let round = 0; round < rounds; round++) {
            const loadEnd = Date.now() + LOAD_MS;
            const killAt = rnd(10) < 7 ? Date.now() + 1000 + rnd(LOAD_MS - 2000) : Infinity;
            const publisher = (async () => {
                while (Date.now() < loadEnd) {
                    const ev = { seq: ++seq, t0: Date.now(), t1: null };
                    events.push(ev);
                    try {
                        await sdk.trigger(CHANNEL, 'seq', { seq: ev.seq });
                        ev.t1 = Date.now();
                    } catch { /* the worker that took it died: delivery unknown */ }
                    await sleep(40);
                }
            })();
            const churn = (async () => {
                const running = new Set();
                while (Date.now() < loadEnd) {
                    if (running.size < 6) {
                        const p = churnOnce(srv.port, sessions).catch(() => {}).finally(() => running.delete(p));
                        running.add(p);
                        churned++;
                    }
                    await sleep(100);
                }
                await Promise.all(running);
            })();
            const attacks = (async () => {
                const running = new Set();
                while (Date.now() < loadEnd) {
                    if (running.size < HOSTILE_IN_FLIGHT) {
                        const actions = hostileActions(srv.port, sdk);
                        const [name, act] = actions[rnd(actions.length)];
                        const t0 = Date.now();
                        const p = act().then((outcome) => outcome, () => 'error')
                            .then((outcome) => {
                                let o = `${name} ${outcome}`;
                                // No answer at all is allowed only where a kill took the worker.
                                if (['unanswered', 'error', 'closed silently', 'eof'].includes(outcome)) {
                                    const cut = kills.some((k) => k.t >= t0 && k.t <= Date.now());
                                    o = `${name} ${cut ? 'cut by a kill' : outcome}`;
                                    if (!cut) failures.push(`hostile input ${name}: ${outcome}`);
                                }
                                hostile.set(o, (hostile.get(o) ?? 0) + 1);
                            })
                            .finally(() => running.delete(p));
                        running.add(p);
                    }
                    await sleep(30);
                }
                await Promise.all(running);
            })();
            while (Date.now() < loadEnd) {
                if (Date.now() >= killAt) {
                    const live = slots(srv.port).filter((s) => s.pid > 0);
                    if (live.length > 0) {
                        const s = live[rnd(live.length)];
                        kills.push({ slot: s.slot ?? slots(srv.port).indexOf(s), pid: s.pid, t: Date.now() });
                        process.kill(s.pid, 'SIGKILL');
                    }
                    break;
                }
                await sleep(50);
            }
            await Promise.all([publisher, churn, attacks]);

            // Quiet: every healthy client back, and the workers hold exactly them.
            await waitFor(() => healthy.every((h) => h.ready()), 60000,
                          `round ${round}: the healthy clients back`);
            await waitForStatus(() => {
                const st = slots(srv.port);
                return st.length === WORKERS && st.every((s) => s.pid > 0) &&
                    st.reduce((a, s) => a + (s.connections ?? 0), 0) === healthy.length;
            }, 60000, `round ${round}: only the healthy connections left open`);
            const pids = [srv.proc.pid, ...slots(srv.port).map((s) => s.pid)];
            for (const pid of pids) {
                const kib = rssKiB(pid);
                if (kib !== null) rss.set(pid, [...(rss.get(pid) ?? []), kib]);
            }
            console.log(`# round ${round}: ${seq} events, ${kills.length} kills, ${churned} churn ` +
                        `clients, RssAnon/VmRSS KiB ` +
                        `${pids.map((p) => `${p}=${rssKiB(p)}/${rssKiB(p, 'VmRSS')}`).join(' ')}`);
        }

        // Everything acked must reach the sessions still open (no timing: wait until it has).
        const lastAcked = events.filter((e) => e.t1 !== null);
        const open = sessions.filter((s) => s.to === null);
        try {
            await waitFor(() => open.every((s) => lastAcked.every((e) => !s.owes(e, kills) || s.got.has(e.seq))),
                          30000, 'the open sessions to receive every acked event');
        } catch { /* counted as missed below */ }
        let owed = 0, missed = 0, dups = 0, reordered = 0;
        for (const s of sessions) {
            dups += s.dups;
            reordered += s.reordered;
            for (const e of events) {
                if (!s.owes(e, kills)) continue;
                owed++;
                if (!s.got.has(e.seq)) {
                    missed++;
                    if (missed <= 10) console.log(`# missed: seq ${e.seq} (t0 ${e.t0}, t1 ${e.t1}) by a ` +
                        `${s.kind} session on slot ${s.slot} [${s.from}, ${s.to}]`);
                }
            }
        }
        if (missed > 0) failures.push(`${missed} owed events missed`);
        if (dups > 0) failures.push(`${dups} events delivered twice`);

        for (const [pid, samples] of rss) {
            if (samples.length < 2) continue;
            const grew = (samples[samples.length - 1] - samples[0]) / 1024;
            if (grew > RSS_TOLERANCE_MIB)
                failures.push(`pid ${pid}: RssAnon ${samples[0]} -> ${samples[samples.length - 1]} KiB ` +
                              `(+${grew.toFixed(1)} MiB > ${RSS_TOLERANCE_MIB} MiB)`);
        }
        const acked = lastAcked.length;
        const rssLines = [...rss].map(([pid, s]) => `${pid === srv.proc.pid ? 'supervisor' : 'worker'} ` +
                                      `${pid}: ${s.map((k) => (k / 1024).toFixed(1)).join(' ')} MiB`);
        console.log(`# soak: ${((Date.now() - started) / 1000).toFixed(0)} s, ${WORKERS} workers, ` +
                    `${events.length} events (${acked} acked), ${sessions.length} sessions, ` +
                    `${owed} deliveries owed, ${missed} missed, ${dups} duplicates, ` +
                    `${reordered} out of order (allowed across workers), ${kills.length} kills, ` +
                    `${churned} churn clients`);
        console.log(`# hostile: ${[...hostile].sort().map(([k, v]) => `${k}: ${v}`).join(', ')}`);
        for (const l of rssLines) console.log(`# RssAnon ${l}`);
        if (kills.length === 0 && rounds >= 3) failures.push('no worker was killed');
    } finally {
        for (const h of healthy) h.close();
        const exit = await srv.stop(15000);
        // Every worker exit is one of our kills, or a clean exit at shutdown.
        const killedPids = new Set(kills.map((k) => k.pid));
        for (const line of srv.logs().split('\n')) {
            if (!line.startsWith('{')) continue;
            let e;
            try { e = JSON.parse(line); } catch { continue; }
            if (e.event !== 'worker_exit') continue;
            const ours = e.signal === 9 && killedPids.has(e.worker_pid);
            const clean = e.signal === null && e.exit_code === 0;
            if (!ours && !clean) failures.push(`unexpected worker exit: ${line}`);
        }
        if (exit.code !== 0) failures.push(`shoal serve exited with ${exit.code} / ${exit.sig}`);
        if (process.env.SOAK_LOG) fs.writeFileSync(process.env.SOAK_LOG, srv.logs());
    }
    if (failures.length > 0) {
        for (const f of failures.slice(0, 20)) console.log(`not ok: ${f}`);
        process.exit(1);
    }
    console.log('ok: soak');
    process.exit(0);
}

main().catch((e) => { console.log(`not ok: ${e.stack ?? e}`); process.exit(1); });
