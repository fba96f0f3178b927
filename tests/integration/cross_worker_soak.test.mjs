// SPDX-License-Identifier: MIT
// test-labels: slow integration worker
// test-timeout: 240
// Soak: `shoal serve --workers 4`, 2,000 pusher-js clients (SOAK_CLIENTS), 60 s (SOAK_MS) of
// mixed publish / subscribe / unsubscribe / presence churn / reconnects, and a kill -9 of a
// random worker every 12 s. At the end every client's presence view equals the truth (and the
// HTTP API's user list), no client got a message twice, and every message published while its
// subscriber stayed subscribed on a live worker (from the publish until 1 s after it) arrived.
// Scaled down only in rate: one publisher in sequence (10/s at most) and 10 churn operations
// per 100 ms, because the clients share one Node process on this 2-core machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startShoal, sleep, shoalStatus } from '../clients/shoal_server.mjs';
import { client, connected, serverSdk, slotOf, waitFor } from
    '../clients/cross_worker_clients.mjs';

const WORKERS = 4;
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 2000);
const CHURN_MS = Number(process.env.SOAK_MS ?? 60000);
const KILL_EVERY_MS = 12000;
const PUBLIC = ['soak-0', 'soak-1', 'soak-2', 'soak-3', 'soak-4'];
// Presence channels hold at most 100 members (the default limit), so users are spread over rooms.
const ROOMS = Math.ceil(CLIENTS / 90);
const roomOf = (i) => `presence-soak-${i % ROOMS}`;
const GRACE_MS = 1000;

let seed = 12345;
// The low bits of this LCG cycle quickly; the high ones are the random part.
const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return (seed >>> 16) % n; };

function slotPids(port) {
    try { return shoalStatus(port).slots.map((s) => s.pid); } catch { return []; }
}

// One client and what it saw: per channel, the intervals it was subscribed and the ids received.
class Tracked {
    constructor(port, i) {
        this.i = i;
        this.port = port;
        this.user = `s${i}`;
        this.room = roomOf(i);
        this.open = new Map();     // channel -> [start time, slot] of the current interval
        this.intervals = [];       // [channel, from, to, slot]
        this.got = new Map();      // channel -> ids received
        this.dups = 0;
        this.connect();
    }
    connect() {
        this.c = client(this.port, this.user);
        this.c.connection.bind('state_change', (s) => {
            if (s.current !== 'connected') this.closeAll();
        });
    }
    closeAll() {
        const now = Date.now();
        for (const [ch, [from, slot]] of this.open) this.intervals.push([ch, from, now, slot]);
        this.open.clear();
    }
    subscribe(name) {
        const ch = this.c.subscribe(name);
        ch.unbind();
        ch.bind('pusher:subscription_succeeded',
                () => this.open.set(name, [Date.now(), slotOf(this.c.connection.socket_id)]));
        // Counted whenever it arrives: under load this process may run an unsubscribe before it
        // reads a message the server sent while the subscription held.
        ch.bind('msg', (d) => {
            const ids = this.got.get(name) ?? new Set();
            if (ids.has(d.id)) this.dups++;
            ids.add(d.id);
            this.got.set(name, ids);
        });
    }
    unsubscribe(name) {
        if (this.open.has(name)) this.intervals.push([name, ...this.open.get(name)]);
        if (this.open.has(name)) this.intervals[this.intervals.length - 1].splice(2, 0, Date.now());
        this.open.delete(name);
        this.c.unsubscribe(name);
    }
    reconnect() {
        this.closeAll();
        this.c.disconnect();
        this.connect();
        this.subscribe(this.room);
    }
    // Subscribed on `name` throughout [from, to] on a worker that was not killed meanwhile.
    covered(name, from, to, kills) {
        // A kill is seen by the client only when its (busy) loop gets to it: the worker counts as
        // dead from the kill on, whenever the interval's end was observed.
        const alive = (slot, a) => !kills.some(([s, k]) => s === slot && k >= a && k <= to);
        const cur = this.open.get(name);
        if (cur && cur[0] <= from && alive(cur[1], cur[0])) return true;
        return this.intervals.some(([ch, a, b, slot]) => ch === name && a <= from && b >= to &&
                                                         alive(slot, a));
    }
}

test('cross-worker soak: churn and worker kills leave every view true and lose nothing',
     { timeout: 230000 }, async () => {
    const srv = await startShoal({ mode: 'serve', workers: WORKERS });
    const sdk = serverSdk(srv.port);
    const clients = Array.from({ length: CLIENTS }, (_, i) => new Tracked(srv.port, i));
    const published = [];  // { id, ch, t0, t1 } (t1 null: the request failed, delivery unknown)
    const killed = [];  // [slot, time]
    try {
        await Promise.all(clients.map((t) => connected(t.c)));
        for (const t of clients) {
            t.subscribe(t.room);
            t.subscribe(PUBLIC[t.i % PUBLIC.length]);
        }
        await waitFor(() => clients.every((t) => t.open.size === 2), 20000, 'initial subscriptions');

        const end = Date.now() + CHURN_MS;
        let nextKill = Date.now() + KILL_EVERY_MS / 2;
        let id = 0;
        const publisher = (async () => {
            while (Date.now() < end) {
                const ch = PUBLIC[rnd(PUBLIC.length)];
                const rec = { id: ++id, ch, t0: Date.now(), t1: null };
                published.push(rec);
                try {
                    await sdk.trigger(ch, 'msg', { id: rec.id });
                    rec.t1 = Date.now();
                } catch { /* the worker serving it died: delivery unknown */ }
                await sleep(80);
            }
        })();
        while (Date.now() < end) {
            for (let k = 0; k < 10; k++) {
                const t = clients[rnd(CLIENTS)];
                const op = rnd(10);
                if (t.c.connection.state !== 'connected') continue;
                if (op < 6) {
                    const ch = PUBLIC[rnd(PUBLIC.length)];
                    if (t.c.channel(ch)?.subscribed) t.unsubscribe(ch); else t.subscribe(ch);
                } else if (op < 8) {
                    if (t.c.channel(t.room)?.subscribed) t.unsubscribe(t.room);
                    else t.subscribe(t.room);
                } else if (op < 9) {
                    t.reconnect();
                }
            }
            if (Date.now() >= nextKill) {
                const pids = slotPids(srv.port);
                const slot = rnd(pids.length);
                if (pids[slot] > 0) {
                    killed.push([slot, Date.now()]);
                    process.kill(pids[slot], 'SIGKILL');
                }
                nextKill += KILL_EVERY_MS;
            }
            await sleep(100);
        }
        await publisher;

        // Settle: everyone reconnected, subscriptions answered.
        await waitFor(() => clients.every((t) => t.c.connection.state === 'connected'), 30000,
                      'all clients connected again');
        await sleep(2000);
        let present = 0;
        for (let r = 0; r < ROOMS; r++) {
            const room = `presence-soak-${r}`;
            const inRoom = clients.filter((t) => t.room === room && t.c.channel(room)?.subscribed);
            const truth = new Set(inRoom.map((t) => t.user));
            present += truth.size;
            await waitFor(() => inRoom.every((t) => t.c.channel(room).members.count === truth.size),
                          10000, `presence views of ${room} converge`);
            for (const t of inRoom) {
                const seen = new Set();
                t.c.channel(room).members.each((m) => seen.add(m.id));
                assert.deepEqual([...seen].sort(), [...truth].sort(), `client ${t.i}'s members`);
            }
            const users = await (await sdk.get({ path: `/channels/${room}/users` })).json();
            assert.deepEqual(users.users.map((u) => u.id).sort(), [...truth].sort(), room);
        }

        assert.equal(clients.reduce((a, t) => a + t.dups, 0), 0, 'messages delivered twice');
        let due = 0, missed = 0;
        for (const p of published) {
            if (p.t1 === null) continue;
            for (const t of clients) {
                if (!t.covered(p.ch, p.t0, p.t1 + GRACE_MS, killed)) continue;
                due++;
                if (!t.got.get(p.ch)?.has(p.id)) {
                    missed++;
                    console.log(`# missed: id ${p.id} ${p.ch} t0 ${p.t0} t1 ${p.t1} client ${t.i} ` +
                                `${JSON.stringify([t.open.get(p.ch), t.intervals.filter((x) => x[0] === p.ch)])} kills ${JSON.stringify(killed)}`);
                }
            }
        }
        console.log(`# soak: ${CLIENTS} clients, ${published.length} published, ${killed.length} kills, ` +
                    `${due} deliveries due, ${missed} missed, ${present} present at the end`);
        assert.ok(killed.length >= 2, 'workers were killed');
        assert.ok(due > 1000, `enough deliveries were due (${due})`);
        assert.equal(missed, 0);
    } finally {
        for (const t of clients) t.c.disconnect();
        await srv.stop();
    }
});
