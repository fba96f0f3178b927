// SPDX-License-Identifier: MIT
// An optional pusher-js helper for shoal's channel history (docs/history.md): it remembers the
// last position (offset, epoch) received on each channel and sends it as "recover" when
// pusher-js subscribes again (after a reconnect, or a later subscribe), so the server sends
// exactly the events missed meanwhile before any live one. pusher-js itself is unchanged and
// other servers ignore the extra field.
//
//   import { withRecovery } from './pusher_recovery.mjs';
//   const pusher = withRecovery(new Pusher(key, options), {
//       onRecovery: (channel, recovered) => { if (!recovered) reloadFromBackend(channel); },
//   });
//
// pusher-js drops unknown message fields when it decodes a message, so the helper reads the
// positions from the transport's raw messages (after pusher-js has dispatched them).
export function withRecovery(pusher, { onRecovery = () => {} } = {}) {
    const positions = new Map();  // channel -> { offset, epoch }
    const send = pusher.send_event.bind(pusher);
    pusher.send_event = (event, data, channel) => {
        if (event === 'pusher:subscribe' && data && positions.has(data.channel))
            data = { ...data, recover: positions.get(data.channel) };
        return send(event, data, channel);
    };
    const onRaw = (message) => {
        let msg;
        try { msg = JSON.parse(message.data); } catch { return; }
        if (!msg || typeof msg.channel !== 'string') return;
        if (msg.position) {
            positions.set(msg.channel, msg.position);
            return;
        }
        if (msg.event !== 'pusher_internal:subscription_succeeded') return;
        let data = msg.data;
        if (typeof data === 'string') { try { data = JSON.parse(data); } catch { return; } }
        if (!data || !data.position) return;  // not a history channel
        if (data.recovered === undefined) {
            // A fresh start: live delivery continues after this position.
            positions.set(msg.channel, data.position);
        } else {
            // The missed events follow and move the position; only the verdict is news.
            onRecovery(msg.channel, data.recovered);
        }
    };
    const watch = () => {
        const transport = pusher.connection.connection && pusher.connection.connection.transport;
        if (!transport || transport.shoalRecoveryWatched) return;
        transport.shoalRecoveryWatched = true;
        transport.bind('message', onRaw);
    };
    pusher.connection.bind('connected', watch);
    watch();
    pusher.shoalPositions = positions;
    return pusher;
}
