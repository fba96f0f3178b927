// SPDX-License-Identifier: MIT
// Helpers for tests that drive the real phoenix.js client (npm `phoenix`) in Node, where the
// WebSocket transport comes from the `ws` package.
import { createHmac } from 'node:crypto';
import { Socket, Presence } from 'phoenix';
import WebSocket from 'ws';
import { APP } from './shoal_server.mjs';

export { Presence };

// base64url(JSON claims) + "." + hex(HMAC-SHA256(secret, that part)): shoal's connect token.
export function phoenixToken(claims, secret = APP.secret) {
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${body}.${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function userToken(userId, info = {}, ttlS = 3600) {
    return phoenixToken({ user_id: userId, user_info: info, exp: Math.floor(Date.now() / 1000) + ttlS });
}

export function connectPhoenix(port, params = {}, opts = {}) {
    const socket = new Socket(`ws://127.0.0.1:${port}/socket`, {
        transport: WebSocket,
        params,
        heartbeatIntervalMs: 30000,
        reconnectAfterMs: () => 200,
        rejoinAfterMs: () => 200,
        ...opts,
    });
    socket.connect();
    return socket;
}

// Resolves with the join reply payload, rejects with the error reply.
export function join(channel, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
        channel.join(timeoutMs)
            .receive('ok', resolve)
            .receive('error', (e) => reject(Object.assign(new Error('join error'), { reply: e })))
            .receive('timeout', () => reject(new Error('join timeout')));
    });
}

export function push(channel, event, payload, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
        channel.push(event, payload, timeoutMs)
            .receive('ok', resolve)
            .receive('error', (e) => reject(Object.assign(new Error('push error'), { reply: e })))
            .receive('timeout', () => reject(new Error('push timeout')));
    });
}

export function nextEvent(channel, event, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
        const ref = channel.on(event, (payload) => {
            clearTimeout(t);
            channel.off(event, ref);
            resolve(payload);
        });
    });
}

export { waitFor } from './shoal_server.mjs';
