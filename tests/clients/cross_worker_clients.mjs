// SPDX-License-Identifier: MIT
// Real pusher-js clients and the pusher server SDK pointed at a shoal under test, for the
// cross-worker tests. Channel auth is signed here with the app secret (as an app backend would).
import PusherClient from 'pusher-js';
import { APP } from './shoal_server.mjs';
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
