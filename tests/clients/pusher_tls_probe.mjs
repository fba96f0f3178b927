// SPDX-License-Identifier: MIT
// Run as a child process with NODE_EXTRA_CA_CERTS naming the test's CA (Node reads it only at
// start): pusher-js over wss:// and the pusher server SDK over https://, both verifying shoal's
// certificate as any Node application would, unchanged; then the SDK over the plain port beside
// it. Env: SHOAL_TLS_PORT, SHOAL_PLAIN_PORT. Prints one JSON line of what it saw; exit 0 when
// every step worked.
import http from 'node:http';
import https from 'node:https';
import Pusher from 'pusher-js';
import PusherServer from 'pusher';
import { APP } from './shoal_server.mjs';
import { connected, subscribed, nextEvent } from './pusher_clients.mjs';

const tlsPort = Number(process.env.SHOAL_TLS_PORT);
const plainPort = Number(process.env.SHOAL_PLAIN_PORT);

const sdk = (port, useTLS) => new PusherServer({
    appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1', port: String(port), useTLS,
    agent: useTLS ? new https.Agent({ keepAlive: true, maxSockets: 1 })
                  : new http.Agent({ keepAlive: true, maxSockets: 1 }),
});
const sdkTls = sdk(tlsPort, true);
const sdkPlain = sdk(plainPort, false);

const client = () => new Pusher(APP.key, {
    wsHost: '127.0.0.1', wssPort: tlsPort, forceTLS: true, enabledTransports: ['ws'],
    cluster: 'mt1', disableStats: true,
    channelAuthorization: {
        customHandler: ({ socketId, channelName }, cb) => cb(null, sdkTls.authorizeChannel(socketId, channelName)),
    },
});

const out = {};
const a = client(), b = client();
const timer = setTimeout(() => { console.log(JSON.stringify({ ...out, error: 'timed out' })); process.exit(2); }, 20000);
try {
    out.socketIds = await Promise.all([connected(a), connected(b)]);
    out.url = a.connection.connection.transport.socket.url;
    const { ch } = await subscribed(a, 'news');
    let got = nextEvent(ch, 'update');
    await sdkTls.trigger('news', 'update', { via: 'https' });
    out.overHttps = (await got).data;
    got = nextEvent(ch, 'update');
    await sdkPlain.trigger('news', 'update', { via: 'plain port' });
    out.overPlain = (await got).data;
    const [{ ch: cha }, { ch: chb }] = await Promise.all([subscribed(a, 'private-room'), subscribed(b, 'private-room')]);
    got = nextEvent(chb, 'client-typing');
    cha.trigger('client-typing', { who: 'a' });
    out.clientEvent = (await got).data;
    const info = await sdkTls.get({ path: '/channels/news', params: { info: 'subscription_count' } });
    out.subscriptionCount = (await info.json()).subscription_count;
    console.log(JSON.stringify(out));
    a.disconnect();
    b.disconnect();
    clearTimeout(timer);
    process.exit(0);
} catch (e) {
    console.log(JSON.stringify({ ...out, error: String(e?.stack ?? e) }));
    process.exit(1);
}
