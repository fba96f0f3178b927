// SPDX-License-Identifier: MIT
// A raw Pusher connection for the history tests (docs/history.md): it keeps every message it
// receives, parsed (data too), so a test can read each event's position, which pusher-js drops.
// With the app's server SDK it signs its subscriptions to private channels.
import WebSocket from 'ws';
import { waitFor } from './shoal_server.mjs';

export async function rawPusher(port, app, sdk = null) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/app/${app.key}?protocol=7&client=js&version=8.4.0`);
    const got = [];
    ws.on('message', (m) => {
        const msg = JSON.parse(m.toString());
        if (typeof msg.data === 'string') {
            try { msg.data = JSON.parse(msg.data); } catch { /* a plain string */ }
        }
        got.push(msg);
    });
    await waitFor(() => got.length > 0, 5000, 'connection_established');
    return {
        ws, got,
        async subscribe(channel, recover) {
            const auth = sdk && channel.startsWith('private-')
                ? { auth: sdk.authorizeChannel(got[0].data.socket_id, channel).auth } : {};
            ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel, ...auth, ...(recover ? { recover } : {}) } }));
            const ok = () => got.find((m) => m.channel === channel && m.event === 'pusher_internal:subscription_succeeded');
            await waitFor(ok, 5000, `subscribed to ${channel}`);
            return ok();
        },
        events(channel) { return got.filter((m) => m.channel === channel && !m.event.startsWith('pusher')); },
        close() { ws.close(); },
    };
}
