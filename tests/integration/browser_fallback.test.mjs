// SPDX-License-Identifier: MIT
// test-labels: integration worker browser
// test-timeout: 180
// The fallback transports in a real browser (headless Chromium over the DevTools protocol)
// against `serve --workers 2`. With WebSocket removed from the page, phoenix.js falls back to its
// LongPoll transport: it joins, receives an HTTP API broadcast, pushes to another long-poll
// client, and sees presence diffs for a join and a leave. EventSource receives triggers on a
// public and a private channel, and after a rolling restart drops its stream it reconnects with
// Last-Event-ID and receives again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startShoal, shoalStatus, waitFor } from '../clients/shoal_server.mjs';
import { serverSdk } from '../clients/pusher_clients.mjs';
import { userToken } from '../clients/phoenix_client.mjs';
import { launchBrowser, haveChromium } from '../clients/cdp_browser.mjs';

// The browser build (an IIFE that defines window.Phoenix), from the pinned npm package.
const phoenixJs = readFileSync(fileURLToPath(new URL('../node_modules/phoenix/priv/static/phoenix.js', import.meta.url)), 'utf8');

test('browser: phoenix.js without WebSocket uses LongPoll; EventSource resumes', { skip: !haveChromium() && 'no chromium' }, async () => {
    const srv = await startShoal({ mode: 'serve', workers: 2 });
    const browser = await launchBrowser();
    try {
        const sdk = serverSdk(srv.port);
        const page = await browser.newPage(`http://127.0.0.1:${srv.port}/`);
        // No WebSocket in the page: phoenix.js picks its LongPoll transport.
        await page.eval(`window.WebSocket = undefined; ${phoenixJs}; typeof Phoenix.Socket`);
        await page.eval(`(() => {
            window.log = { ann: [], bob: [], diffs: [] };
            const open = (who, token) => {
                const socket = new Phoenix.Socket('/socket', { params: { token } });
                socket.connect();
                const lobby = socket.channel('lobby', {});
                lobby.on('news', (p) => log[who].push(['news', p]));
                lobby.on('shout', (p) => log[who].push(['shout', p]));
                const room = socket.channel('presence:room', {});
                room.on('presence_diff', (d) => log.diffs.push([who, Object.keys(d.joins), Object.keys(d.leaves)]));
                const presence = new Phoenix.Presence(room);
                return { socket, lobby, room, presence, joined: 0 };
            };
            window.ann = open('ann', ${JSON.stringify(userToken('ann'))});
            window.join = (c) => new Promise((ok, no) => {
                c.lobby.join().receive('ok', () => c.room.join().receive('ok', ok).receive('error', no)).receive('error', no);
            });
            return join(ann);
        })()`);
        assert.equal(await page.eval('ann.socket.transport === Phoenix.LongPoll'), true);
        assert.equal(await page.eval('ann.socket.conn instanceof Phoenix.LongPoll'), true);

        // Broadcast from the HTTP API to a long-poll client.
        await sdk.trigger('lobby', 'news', { n: 1 });
        await page.waitFor('log.ann.length === 1', 10000, 'the trigger');
        assert.deepEqual(await page.eval('log.ann[0]'), ['news', { n: 1 }]);

        // A second long-poll client: ann sees it join (presence diff), bob gets ann's push.
        await page.eval(`(() => {
            const socket = new Phoenix.Socket('/socket', { params: { token: ${JSON.stringify(userToken('bob'))} } });
            socket.connect();
            const lobby = socket.channel('lobby', {});
            lobby.on('shout', (p) => log.bob.push(['shout', p]));
            const room = socket.channel('presence:room', {});
            window.bob = { socket, lobby, room, presence: new Phoenix.Presence(room) };
            return join(bob);
        })()`);
        await page.waitFor(`log.diffs.some(([who, j]) => who === 'ann' && j.includes('bob'))`, 10000, "ann sees bob join");
        await page.waitFor(`ann.presence.list().length === 2 && bob.presence.list().length === 2`, 10000, 'both see two users');
        await page.eval(`ann.lobby.push('shout', { body: 'hi' }), 1`);
        await page.waitFor('log.bob.length === 1', 10000, "bob gets ann's push");
        assert.deepEqual(await page.eval('log.bob[0]'), ['shout', { body: 'hi' }]);
        await page.eval('bob.socket.disconnect(), 1');
        await page.waitFor(`log.diffs.some(([who, j, l]) => who === 'ann' && l.includes('bob'))`, 30000, 'ann sees bob leave (the session gap)');

        // EventSource: a public and a private channel, signed like Pusher channel auth.
        const sid = '42.4242';
        const auth = sdk.authorizeChannel(sid, 'private-inbox').auth;
        const url = `/app/app-key/sse?socket_id=${sid}&channel=ticker&channel=private-inbox&auth=${encodeURIComponent(auth)}`;
        await page.eval(`(() => {
            window.sse = { got: [], opens: 0 };
            const es = new EventSource(${JSON.stringify(url)});
            es.onopen = () => sse.opens++;
            for (const name of ['tick', 'secret'])
                es.addEventListener(name, (e) => sse.got.push([name, e.lastEventId, JSON.parse(e.data)]));
            window.es = es;
            return 1;
        })()`);
        await page.waitFor('sse.opens === 1', 10000, 'the stream open');
        await sdk.trigger('ticker', 'tick', '1');
        await sdk.trigger('private-inbox', 'secret', '2');
        await page.waitFor('sse.got.length === 2', 10000, 'two SSE events');
        const got = await page.eval('sse.got');
        assert.deepEqual(got.map(([n, , d]) => [n, d.channel, d.data]), [['tick', 'ticker', '1'], ['secret', 'private-inbox', '2']]);
        const lastId = got[1][1];
        assert.match(lastId, /^\d+$/);

        // A rolling restart drops the stream; EventSource reconnects and names the last id.
        const before = shoalStatus(srv.port).slots.map((s) => s.epoch);
        process.kill(srv.proc.pid, 'SIGUSR2');
        await waitFor(() => shoalStatus(srv.port).slots.every((s, i) => s.epoch !== before[i] && s.state === 'running'),
                      30000, 'both slots restarted');
        await page.waitFor('sse.opens >= 2 && es.readyState === 1', 20000, 'the stream reopened');
        const lastEventId = (r) => Object.entries(r.headers).find(([k]) => k.toLowerCase() === 'last-event-id')?.[1];
        const resumed = page.requests.filter((r) => r.url.includes('/sse?') && lastEventId(r));
        assert.ok(resumed.length >= 1, `a reconnect carried Last-Event-ID: ${JSON.stringify(page.requests.filter((r) => r.url.includes('/sse?')))}`);
        assert.equal(lastEventId(resumed[0]), lastId);
        // The long-poll client rides the restart too (410 -> a new session -> rejoin).
        const n = await page.eval('sse.got.length');
        await sdk.trigger('ticker', 'tick', '3');
        await page.waitFor(`sse.got.length === ${n + 1}`, 10000, 'the event after the restart');
        assert.deepEqual((await page.eval('sse.got')).at(-1)[2].data, '3');
        await sdk.trigger('lobby', 'news', { n: 2 });
        await page.waitFor(`log.ann.some(([e, p]) => e === 'news' && p.n === 2)`, 20000, 'long-poll after the restart');
        await page.eval('es.close(), ann.socket.disconnect(), 1');
    } finally {
        await browser.close();
        await srv.stop();
    }
});
