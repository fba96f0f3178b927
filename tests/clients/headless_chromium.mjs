// SPDX-License-Identifier: MIT
// Headless Chromium (Debian's `chromium`) driven over the DevTools protocol with Node built-ins
// and the `ws` package already pinned for the client tests: open a page, evaluate expressions in
// it, take a PNG screenshot, and kill the browser by PID.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';

const BINARIES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath() {
    const found = [process.env.CHROMIUM_BIN, ...BINARIES].find((p) => p && fs.existsSync(p));
    if (!found) throw new Error('no chromium found (apt-get install chromium, or set CHROMIUM_BIN)');
    return found;
}

// Starts the browser on `url`; resolves once the page's DevTools socket is open.
export async function openPage(url, { width = 960, height = 720, timeoutMs = 20000 } = {}) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-chromium-'));
    const args = ['--headless=new', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
                  '--disable-extensions', '--disable-dev-shm-usage', '--disable-crash-reporter',
                  '--disable-breakpad', '--remote-debugging-port=0',
                  '--remote-debugging-address=127.0.0.1', `--user-data-dir=${profile}`,
                  `--window-size=${width},${height}`, url];
    if (process.getuid && process.getuid() === 0) args.unshift('--no-sandbox');
    // Its own process group: the browser and every helper it starts are stopped together.
    const proc = spawn(chromiumPath(), args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    const exited = new Promise((r) => proc.on('exit', (code, sig) => r({ code, sig })));
    let port, target, ws;
    try {
        port = await new Promise((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`chromium did not start:\n${stderr}`)), timeoutMs);
            proc.stderr.on('data', (d) => {
                stderr += d;
                const m = /DevTools listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
                if (m) { clearTimeout(t); resolve(Number(m[1])); }
            });
            proc.on('exit', () => { clearTimeout(t); reject(new Error(`chromium exited:\n${stderr}`)); });
        });
        const deadline = Date.now() + timeoutMs;
        while (!target) {
            const list = await (await fetch(`http://127.0.0.1:${port}/json/list`,
                                            { signal: AbortSignal.timeout(5000) })).json();
            target = list.find((t) => t.type === 'page' && t.url.startsWith(url.split('#')[0]));
            if (!target) {
                if (Date.now() > deadline) throw new Error('chromium opened no page for ' + url);
                await new Promise((r) => setTimeout(r, 50));
            }
        }
        ws = new WebSocket(target.webSocketDebuggerUrl, { perMessageDeflate: false });
        await new Promise((resolve, reject) => {
            const t = setTimeout(() => reject(new Error('DevTools socket did not open')), timeoutMs);
            ws.once('open', () => { clearTimeout(t); resolve(); });
            ws.once('error', (e) => { clearTimeout(t); reject(e); });
        });
    } catch (e) {
        try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ }
        await exited;
        fs.rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
        throw e;
    }
    let nextId = 1;
    const pending = new Map();
    ws.on('message', (raw) => {
        const msg = JSON.parse(raw.toString());
        const p = msg.id && pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id);
        if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
        else p.resolve(msg.result);
    });
    // Every call has a deadline, so a stalled browser fails the test instead of hanging it.
    const send = (method, params = {}, timeoutMs = 15000) => new Promise((resolve, reject) => {
        const id = nextId++;
        const t = setTimeout(() => {
            pending.delete(id);
            reject(new Error(`${method}: no answer from chromium within ${timeoutMs} ms\n${stderr}`));
        }, timeoutMs);
        pending.set(id, { resolve: (v) => { clearTimeout(t); resolve(v); },
                          reject: (e) => { clearTimeout(t); reject(e); }, method });
        ws.send(JSON.stringify({ id, method, params }));
    });
    return {
        send,
        // The value of a JavaScript expression in the page (returned by value).
        async evaluate(expression) {
            const r = await send('Runtime.evaluate', { expression, returnByValue: true });
            if (r.exceptionDetails) throw new Error(`evaluate ${expression}: ${r.exceptionDetails.text}`);
            return r.result.value;
        },
        async screenshot(file) {
            const r = await send('Page.captureScreenshot', { format: 'png' });
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, Buffer.from(r.data, 'base64'));
        },
        async close() {
            ws.close();
            const group = -proc.pid;
            const groupAlive = () => { try { process.kill(group, 0); return true; } catch { return false; } };
            try { process.kill(group, 'SIGTERM'); } catch { /* already gone */ }
            const t = setTimeout(() => { try { process.kill(group, 'SIGKILL'); } catch { /* gone */ } }, 5000);
            await exited;
            for (let i = 0; i < 200 && groupAlive(); i++) await new Promise((r) => setTimeout(r, 25));
            clearTimeout(t);
            if (groupAlive()) try { process.kill(group, 'SIGKILL'); } catch { /* gone */ }
            try {
                fs.rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
            } catch (e) {
                console.error(`left ${profile}: ${e.message}`);
            }
        },
    };
}
