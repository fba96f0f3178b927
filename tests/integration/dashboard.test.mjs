// SPDX-License-Identifier: MIT
// test-labels: integration worker browser
// test-timeout: 120
// The live status page in a real browser: `shoal serve --workers 2 --dashboard`, headless
// Chromium opens GET /dashboard, and while HTTP API triggers reach pusher-js subscribers the
// page's chart shows a non-zero messages-per-second rate and its worker table both slots. The
// screenshot is saved under the build folder (build/screenshots/dashboard.png).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startShoal } from '../clients/shoal_server.mjs';
import { connected, disconnectAll, pusherClient, serverSdk, subscribed } from
    '../clients/pusher_clients.mjs';
import { httpGet } from '../clients/metrics_client.mjs';
import { openPage } from '../clients/headless_chromium.mjs';

const WORKERS = 2;
const SUBSCRIBERS = 4;

// Polls an expression in the page until pred(value) holds.
async function waitInPage(page, expression, pred, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;
    let v;
    for (;;) {
        v = await page.evaluate(expression);
        if (pred(v)) return v;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${v})`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

test('dashboard: headless Chromium shows the workers and a non-zero message rate under load',
     async () => {
    const srv = await startShoal({ mode: 'serve', workers: WORKERS, args: ['--dashboard'] });
    const clients = [];
    let page;
    let loading = true;
    let load;
    try {
        const status = await httpGet(srv.port, '/status');
        assert.equal(status.status, 200);
        assert.equal(JSON.parse(status.body).slots.length, WORKERS);
        const html = await httpGet(srv.port, '/dashboard');
        assert.equal(html.status, 200);
        assert.match(html.headers['content-type'], /^text\/html/);
        // No external assets: the page loads nothing but itself and /status.
        assert.doesNotMatch(html.body, /(src|href)=["']?(https?:)?\/\//);
        assert.equal((await httpGet(srv.port, '/')).status, 200);

        for (let i = 0; i < SUBSCRIBERS; i++) {
            const c = pusherClient(srv.port);
            clients.push(c);
            await connected(c);
            await subscribed(c, 'dash-room');
        }
        const sdk = serverSdk(srv.port);
        load = (async () => {
            for (let n = 0; loading; n++) {
                await sdk.trigger('dash-room', 'tick', { n });
                await new Promise((r) => setTimeout(r, 10));
            }
        })();

        page = await openPage(`http://127.0.0.1:${srv.port}/dashboard`);
        await waitInPage(page, "document.querySelectorAll('#workers tr').length", (n) => n === WORKERS,
                         15000, 'the worker table');
        const rate = await waitInPage(page, "Number(document.getElementById('chart').dataset.rate)",
                                      (r) => r > 0, 20000, 'a non-zero rate');
        assert.ok(rate > 0);
        // A few more samples so the chart draws a line, then the picture.
        await waitInPage(page,
                         "document.getElementById('line-del').getAttribute('points').split(' ').length",
                         (n) => n >= 6, 20000, 'six samples');
        assert.equal(await page.evaluate("document.getElementById('error').textContent"), '');
        const states = await page.evaluate(
            "[...document.querySelectorAll('#workers tr td:nth-child(3)')].map((t) => t.textContent)");
        assert.deepEqual(states, Array(WORKERS).fill('running'));
        const build = path.resolve(path.dirname(process.env.SHOAL_BIN), '..');
        await page.screenshot(path.join(build, 'screenshots', 'dashboard.png'));
    } finally {
        loading = false;
        try {
            await load;
            if (page) await page.close();
        } finally {
            disconnectAll(...clients);
            assert.equal((await srv.stop()).code, 0);
        }
    }
});
