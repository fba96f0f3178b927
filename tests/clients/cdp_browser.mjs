// SPDX-License-Identifier: MIT
// A headless Chromium (Debian's `chromium`) driven over the DevTools protocol with the `ws`
// package: launch, open a page, evaluate script, collect network request headers. Enough for the
// fallback-transport tests; no puppeteer.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const haveChromium = () => existsSync(CHROMIUM);

export async function launchBrowser() {
    const dir = mkdtempSync(path.join(tmpdir(), 'shoal-chromium-'));
    const proc = spawn(CHROMIUM, ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
                                  '--disable-dev-shm-usage', '--remote-debugging-port=0',
                                  '--remote-debugging-address=127.0.0.1',
                                  `--user-data-dir=${dir}`, 'about:blank'],
                       { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let err = '';
    const wsUrl = await new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`chromium did not start:\n${err}`)), 20000);
        proc.stderr.on('data', (d) => {
            err += d;
            const m = err.match(/DevTools listening on (ws:\/\/\S+)/);
            if (m) { clearTimeout(t); resolve(m[1]); }
        });
        proc.on('exit', (c) => { clearTimeout(t); reject(new Error(`chromium exited ${c}:\n${err}`)); });
    });
    const cdp = await Cdp.connect(wsUrl);
    return {
        cdp,
        async newPage(url) {
            const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
            const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
            const page = new Page(cdp, sessionId);
            await page.send('Runtime.enable');
            await page.send('Network.enable');
            await page.send('Page.enable');
            const loaded = page.once('Page.loadEventFired');
            await page.send('Page.navigate', { url });
            await loaded;
            return page;
        },
        async close() {
            cdp.close();
            // The browser's own process group (its renderers and helpers), started by us.
            try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* already gone */ }
            await new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.on('exit', r)));
            rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
        },
    };
}

class Cdp {
    static connect(url) {
        return new Promise((resolve, reject) => {
            const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
            ws.on('open', () => resolve(new Cdp(ws)));
            ws.on('error', reject);
        });
    }
    constructor(ws) {
        this.ws = ws;
        this.nextId = 1;
        this.pending = new Map();
        this.listeners = [];
        ws.on('message', (raw) => {
            const m = JSON.parse(raw.toString());
            if (m.id && this.pending.has(m.id)) {
                const { resolve, reject } = this.pending.get(m.id);
                this.pending.delete(m.id);
                if (m.error) reject(new Error(`${m.error.message} ${m.error.data ?? ''}`));
                else resolve(m.result);
            } else if (m.method) {
                for (const l of this.listeners) l(m);
            }
        });
    }
    send(method, params = {}, sessionId) {
        const id = this.nextId++;
        const msg = { id, method, params };
        if (sessionId) msg.sessionId = sessionId;
        this.ws.send(JSON.stringify(msg));
        return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    }
    close() { this.ws.close(); }
}

class Page {
    constructor(cdp, sessionId) {
        this.cdp = cdp;
        this.sessionId = sessionId;
        this.requests = [];  // { id, url, headers } of every request the page sent
        cdp.listeners.push((m) => {
            if (m.sessionId !== sessionId) return;
            // The headers the network stack really sent (Last-Event-ID among them) come in the
            // ExtraInfo event; the URL in the other. Both carry the request id.
            if (m.method === 'Network.requestWillBeSent') {
                const r = this.byId(m.params.requestId);
                r.url = m.params.request.url;
                Object.assign(r.headers, m.params.request.headers);
            } else if (m.method === 'Network.requestWillBeSentExtraInfo') {
                Object.assign(this.byId(m.params.requestId).headers, m.params.headers);
            }
        });
    }
    byId(id) {
        let r = this.requests.find((x) => x.id === id);
        if (!r) this.requests.push(r = { id, url: '', headers: {} });
        return r;
    }
    send(method, params) { return this.cdp.send(method, params, this.sessionId); }
    once(method) {
        return new Promise((resolve) => {
            const l = (m) => {
                if (m.sessionId === this.sessionId && m.method === method) {
                    this.cdp.listeners.splice(this.cdp.listeners.indexOf(l), 1);
                    resolve(m.params);
                }
            };
            this.cdp.listeners.push(l);
        });
    }
    // Evaluates an expression in the page (awaiting a promise); returns its JSON value.
    async eval(expression) {
        const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
        if (r.exceptionDetails)
            throw new Error(`page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
        return r.result.value;
    }
    // Polls a page expression until it is truthy.
    async waitFor(expression, timeoutMs = 10000, what = expression) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            if (await this.eval(expression)) return;
            if (Date.now() > deadline) throw new Error(`page: timed out waiting for ${what}`);
            await new Promise((r) => setTimeout(r, 50));
        }
    }
}
