// SPDX-License-Identifier: MIT
// Real Pusher clients for the integration tests: pusher-js (with channel and user auth signed
// locally by the `pusher` server SDK, as a backend would) and the SDK itself for the HTTP API.
import http from 'node:http';
import Pusher from 'pusher-js';
import PusherServer from 'pusher';
import { APP } from './shoal_server.mjs';

// Its own keep-alive agent, like a backend's: sequential triggers then come from one publisher
// (one connection, one worker). Not the global agent, which could reuse the socket that the
// launcher's readiness probe left on some worker (a worker a test may then stop).
export function serverSdk(port) {
    return new PusherServer({ appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1',
                              port: String(port), useTLS: false,
                              agent: new http.Agent({ keepAlive: true, maxSockets: 1 }) });
}

// presence: the channel_data for presence channels ({ user_id, user_info });
// user: the user_data for signin ({ id, ... }).
// forgeAs: sign every channel as if it were this other channel (a forged signature).
export function pusherClient(port, { presence, user, key = APP.key, forgeAs } = {}) {
    const sdk = serverSdk(port);
    return new Pusher(key, {
        wsHost: '127.0.0.1', wsPort: port, forceTLS: false, enabledTransports: ['ws'],
        cluster: 'mt1', disableStats: true,
        channelAuthorization: {
            customHandler: ({ socketId, channelName }, cb) =>
                cb(null, sdk.authorizeChannel(socketId, forgeAs ?? channelName,
                                              channelName.startsWith('presence-') ? presence : undefined)),
        },
        userAuthentication: {
            customHandler: ({ socketId }, cb) => cb(null, sdk.authenticateUser(socketId, user)),
        },
    });
}

export function connected(client) {
    return new Promise((resolve, reject) => {
        if (client.connection.state === 'connected') return resolve(client.connection.socket_id);
        client.connection.bind('connected', () => resolve(client.connection.socket_id));
        client.connection.bind('failed', () => reject(new Error('connection failed')));
    });
}

export function subscribed(client, name) {
    const ch = client.subscribe(name);
    return new Promise((resolve, reject) => {
        ch.bind('pusher:subscription_succeeded', (data) => resolve({ ch, data }));
        ch.bind('pusher:subscription_error', (e) => reject(Object.assign(new Error('subscription_error'), { e })));
    });
}

export function nextEvent(target, event, timeoutMs = 3000) {
    return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
        const fn = (data, meta) => { clearTimeout(t); target.unbind(event, fn); resolve({ data, meta }); };
        target.bind(event, fn);
    });
}

// A client the server already closed is left alone: pusher-js would close its dead socket again
// and faye-websocket would then hold the process for its 30 s close timeout.
export function disconnectAll(...clients) {
    for (const c of clients) if (c.connection.state !== 'disconnected') c.disconnect();
}

// The client's current WebSocket, taken before the server closes it (pusher-js drops it then).
export const socketOf = (client) => client.connection.connection.transport.socket;

// After a server-side close pusher-js closes the socket again; faye-websocket then arms a 30 s
// close timer that would keep the test process alive. It guards nothing once the socket is closed.
export function releaseClosedSocket(socket) {
    clearTimeout(socket._closeTimer);
}

export { waitFor } from './shoal_server.mjs';
