// SPDX-License-Identifier: MIT
// Clients of one app among several (an apps file): pusher-js and the pusher server SDK with that
// app's key and secret, raw `ws` sockets for the close codes and upgrade refusals pusher-js hides,
// and the apps file itself.
import http from 'node:http';
import { writeFileSync, renameSync } from 'node:fs';
import Pusher from 'pusher-js';
import PusherServer from 'pusher';
import WebSocket from 'ws';

// The SDK of app `app` ({id, key, secret}); `agent` lets two apps' SDKs share one connection
// (one worker), so what they publish is written to one ring in request order.
export function appSdk(port, app, agent = new http.Agent({ keepAlive: true, maxSockets: 1 })) {
    return new PusherServer({ appId: app.id, key: app.key, secret: app.secret, host: '127.0.0.1',
                              port: String(port), useTLS: false, agent });
}

export function appClient(port, app, { user = null } = {}) {
    const sdk = appSdk(port, app);
    return new Pusher(app.key, {
        wsHost: '127.0.0.1', wsPort: port, forceTLS: false, enabledTransports: ['ws'],
        cluster: 'mt1', disableStats: true,
        channelAuthorization: {
            customHandler: ({ socketId, channelName }, cb) => cb(null, sdk.authorizeChannel(
                socketId, channelName,
                channelName.startsWith('presence-') ? { user_id: user ?? socketId } : undefined)),
        },
    });
}

// A raw WebSocket: resolves {socket, first} on open with the first message, or {code, reason}
// when the server closes it first, or {status} when the upgrade is refused.
export function rawSocket(url, headers = {}) {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(url, { headers });
        let first = null;
        ws.on('unexpected-response', (_req, res) => { resolve({ status: res.statusCode }); });
        ws.on('message', (m) => {
            if (first === null) {
                first = m.toString();
                resolve({ socket: ws, first });
            }
        });
        ws.on('close', (code, reason) => {
            ws.closedWith = code;  // for closeCode(), however late it asks
            resolve({ code, reason: reason.toString() });
        });
        ws.on('error', (e) => { if (!String(e).includes('Unexpected server response')) reject(e); });
    });
}

// Waits for the close of a rawSocket() socket and resolves its code.
export function closeCode(ws) {
    return new Promise((resolve) => {
        if (ws.closedWith !== undefined) return resolve(ws.closedWith);
        ws.on('close', (code) => resolve(code));
    });
}

// Writes the apps file in one step (a reader never sees half of it).
export function writeApps(path, apps) {
    writeFileSync(`${path}.new`, JSON.stringify({ apps }, null, 2));
    renameSync(`${path}.new`, path);
}

// The slot a Pusher socket id names (its prefix ends in slot + 1).
export const slotOfSocket = (socketId) => (Number(socketId.split('.')[0]) % 100) - 1;
