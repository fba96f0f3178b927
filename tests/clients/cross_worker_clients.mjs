// SPDX-License-Identifier: MIT
// Real pusher-js clients and the pusher server SDK pointed at a shoal under test, for the
// cross-worker tests. Channel auth is signed here with the app secret (as an app backend would).
import PusherClient from 'pusher-js';
import PusherServer from 'pusher';
import { APP, sleep } from './shoal_server.mjs';

export function serverSdk(port) {
    return new PusherServer({ appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1',
                              port: String(port), useTLS: false });
}

// A pusher-js client; `user` (an id) makes presence subscriptions join as that user.
export function client(port, user = null) {
    const sdk = serverSdk(port);
    const c = new PusherClient(APP.key, {
        wsHost: '127.0.0.1', wsPort: port, forceTLS: false, enabledTransports: ['ws'],
        cluster: 'local', disableStats: true, activityTimeout: 60000, pongTimeout: 30000,
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

export async function waitFor(cond, ms = 5000, what = 'condition') {
    const deadline = Date.now() + ms;
    while (!cond()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(20);
    }
}

export function connected(c) {
    return new Promise((resolve, reject) => {
        if (c.connection.state === 'connected') return resolve(c.connection.socket_id);
        c.connection.bind('connected', () => resolve(c.connection.socket_id));
        c.connection.bind('failed', () => reject(new Error('pusher-js connection failed')));
    });
}

export function subscribed(c, name) {
    return new Promise((resolve, reject) => {
        const ch = c.subscribe(name);
        ch.bind('pusher:subscription_succeeded', (d) => resolve({ ch, data: d }));
        ch.bind('pusher:subscription_error', (e) => reject(new Error(JSON.stringify(e))));
    });
}

// The slot a socket id names: its prefix ends in slot + 1 (two digits).
export function slotOf(socketId) {
    return (Number(socketId.split('.')[0]) % 100) - 1;
}

// Opens n clients at once and returns them once connected, with the slots they reached and the
// number per slot (the workers pace their accepts, so a burst spreads evenly).
export async function spreadClients(port, n, workers, userOf = () => null) {
    const clients = Array.from({ length: n }, (_, i) => client(port, userOf(i)));
    await Promise.all(clients.map(connected));
    const of = clients.map((c) => slotOf(c.connection.socket_id));
    const spread = [...Array(workers).keys()].map((s) => of.filter((x) => x === s).length);
    console.log(`# clients per slot: ${spread.join(' ')}`);
    return { clients, slots: new Set(of), spread };
}
