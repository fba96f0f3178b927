// SPDX-License-Identifier: MIT
// Real pusher-js clients and the pusher server SDK pointed at a shoal under test, for the
// cross-worker tests. Channel auth is signed here with the app secret (as an app backend would).
import PusherClient from 'pusher-js';
import { APP, shoalStatus, waitFor } from './shoal_server.mjs';
import { connected, serverSdk } from './pusher_clients.mjs';

export { connected, serverSdk, subscribed, waitFor } from './pusher_clients.mjs';

// A pusher-js client; `user` (an id) makes presence subscriptions join as that user.
export function client(port, user = null) {
    const sdk = serverSdk(port);
    const c = new PusherClient(APP.key, {
        wsHost: '127.0.0.1', wsPort: port, forceTLS: false, enabledTransports: ['ws'],
        cluster: 'local', disableStats: true, activityTimeout: 60000, pongTimeout: 2000,
        channelAuthorization: {
            customHandler: ({ socketId, channelName }, cb) => {
                const data = channelName.startsWith('presence-') ?
                    { user_id: user ?? `anon-${socketId}`, user_info: { socket: socketId } } :
                    undefined;
                cb(null, sdk.authorizeChannel(socketId, channelName, data));
            },
        },
        userAuthentication: {
            customHandler: ({ socketId }, cb) =>
                cb(null, sdk.authenticateUser(socketId, { id: user ?? `anon-${socketId}` })),
        },
    });
    return c;
}

// The slot a socket id names: its prefix ends in slot + 1 (two digits).
export function slotOf(socketId) {
    return (Number(socketId.split('.')[0]) % 100) - 1;
}

// Whether slot `s` of the serve on `port` wrote a heartbeat after Date.now() was `at` (the
// age is read after t, so t - age is no later than the beat).
function beatSince(port, s, at) {
    const t = Date.now();
    const slot = shoalStatus(port).slots[s];
    return slot.state === 'running' && t - slot.heartbeat_age_ms > at;
}

// Opens n clients at once and returns them once connected, with the slots they reached and the
// number per slot; every slot holds at least half its share (n / workers / 2).
//
// The workers pace their accepts, so a burst spreads evenly while every worker runs. A worker
// over its share keeps the connection it already took but takes no other for up to 10 ms (a
// connection must not wait on a worker that does not run), so on a loaded host a worker the
// scheduler leaves out for a moment misses the burst: one SIGSTOPped for 200 ms while 40
// clients open ends with 13 0 14 13. Such a slot is then topped up by small bursts, one client
// more than missing (the first may stay with the worker that woke first): a client that lands on
// a short slot replaces one of the fullest slot (same user), the others are closed. A burst that
// reaches no short slot means the short worker has not run; the next waits for a heartbeat it
// wrote after the miss, so a long stall costs time, not tries. A worker that runs but never
// takes its share fails here after n bursts.
export async function spreadClients(port, n, workers, userOf = () => null) {
    const clients = Array.from({ length: n }, (_, i) => client(port, userOf(i)));
    await Promise.all(clients.map(connected));
    const need = Math.ceil(n / workers / 2);
    const slotAt = (i) => slotOf(clients[i].connection.socket_id);
    const perSlot = () => [...Array(workers).keys()].map(
        (s) => clients.filter((_, i) => slotAt(i) === s).length);
    const burst = perSlot();
    let bursts = 0;
    for (let spread = burst; Math.min(...spread) < need; spread = perSlot()) {
        if (bursts === n) {
            for (const c of clients) c.disconnect();
            throw new Error(`clients per slot ${spread} after ${n} more bursts: ` +
                            `a worker never took its share (${need})`);
        }
        bursts++;
        const missing = spread.reduce((m, x) => m + Math.max(0, need - x), 0);
        const left = [...spread];
        const out = [];  // clients of the fullest slots the new ones may replace
        for (let j = 0; j <= missing; j++) {
            const f = left.indexOf(Math.max(...left));
            left[f]--;
            out.push(clients.findLastIndex((_, i) => slotAt(i) === f && !out.includes(i)));
        }
        const fresh = out.map((i) => client(port, userOf(i)));
        await Promise.all(fresh.map(connected));
        let reached = false;
        fresh.forEach((c, j) => {
            const now = perSlot();
            if (now[slotOf(c.connection.socket_id)] < need && now[slotAt(out[j])] > need) {
                clients[out[j]].disconnect();
                clients[out[j]] = c;
                reached = true;
            } else {
                c.disconnect();
            }
        });
        if (reached) continue;
        const missedAt = Date.now();
        const short = spread.indexOf(Math.min(...spread));
        await waitFor(() => beatSince(port, short, missedAt), 30000,
                      `a heartbeat of slot ${short} after a missed burst`);
    }
    const spread = perSlot();
    console.log(`# clients per slot: ${spread.join(' ')}` +
                (bursts ? ` (the burst gave ${burst.join(' ')}; ${bursts} more bursts)` : ''));
    return { clients, slots: new Set(clients.map((_, i) => slotAt(i))), spread };
}
