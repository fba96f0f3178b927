// SPDX-License-Identifier: MIT
// Starts a real shoal process for a client test and stops it by PID. Usage:
//   const srv = await startShoal({ mode: 'worker' });            // one standalone worker
//   const srv = await startShoal({ mode: 'serve', workers: 4 }); // supervisor + workers
//   ... srv.port, srv.url, srv.proc, srv.logs() ...
//   await srv.stop();
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import http from 'node:http';
import https from 'node:https';

export const APP = { id: 'app-id', key: 'app-key', secret: 'app-secret' };

export function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.unref();
        s.on('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
    });
}

// ca: the port speaks TLS, verified against this CA (PEM).
function httpGetStatus(port, path, ca = null) {
    return new Promise((resolve) => {
        const get = ca ? https.get : http.get;
        const req = get({ host: '127.0.0.1', port, path, timeout: 500, ...(ca ? { ca } : {}) }, (res) => {
            res.resume();
            resolve(res.statusCode);
        });
        req.on('error', () => resolve(0));
        req.on('timeout', () => { req.destroy(); resolve(0); });
    });
}

// The bus name startShoal gives a `serve` on `port`.
export const busName = (port) => `shoal-test-${port}`;

// `shoal status --json` of the `serve` started on `port`; throws with shoal's message when no
// supervisor answers.
export function shoalStatus(port) {
    const r = spawnSync(process.env.SHOAL_BIN, ['status', '--json', '--bus-name', busName(port)],
                        { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`shoal status failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout);
}

// The pids of the running workers of the `serve` on `port`.
export const workerPids = (port) => shoalStatus(port).slots.map((s) => s.pid).filter((p) => p > 0);

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls pred every 10 ms; throws naming `what` when it is still false after timeoutMs. pred may
// be async (an HTTP query): its promise is awaited, never taken as true.
export async function waitFor(pred, timeoutMs = 5000, what = 'condition') {
    const deadline = Date.now() + timeoutMs;
    while (!(await pred())) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await sleep(10);
    }
}

// `nofile: [soft, hard]` starts shoal under those open-file limits (bash's ulimit, then exec, so
// proc.pid is shoal's own). `tlsCa` (PEM): the port speaks TLS (args carry --tls-cert/--tls-key);
// the readiness probe verifies it against that CA, and url is wss://.
export async function startShoal({ mode = 'worker', workers = 1, args = [], readyPath = '/ready',
                                   timeoutMs = 10000, nofile = null, logLevel = 'info',
                                   tlsCa = null } = {}) {
    const bin = process.env.SHOAL_BIN;
    if (!bin) throw new Error('SHOAL_BIN is not set (ctest sets it)');
    const port = await freePort();
    const argv = [mode, '--port', String(port), '--log-level', logLevel];
    if (mode === 'serve') argv.push('--workers', String(workers), '--bus-name', busName(port));
    argv.push(...args);
    const proc = nofile
        ? spawn('bash', ['-c', `ulimit -Sn ${nofile[0]} && ulimit -Hn ${nofile[1]} && exec "$0" "$@"`,
                         bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let logs = '';
    proc.stdout.on('data', (d) => { logs += d; });
    proc.stderr.on('data', (d) => { logs += d; });
    const exited = new Promise((r) => proc.on('exit', (code, sig) => r({ code, sig })));

    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (proc.exitCode !== null) throw new Error(`shoal exited early (${proc.exitCode}):\n${logs}`);
        if ((await httpGetStatus(port, readyPath, tlsCa)) === 200) break;
        if (Date.now() > deadline) {
            proc.kill('SIGKILL');
            throw new Error(`shoal not ready on ${port} within ${timeoutMs} ms:\n${logs}`);
        }
        await sleep(50);
    }
    // /ready answers from whichever worker accepted the probe; the others may still be starting
    // (on a busy machine, long enough that every early client lands on the first ones). A test
    // of `serve` begins once every worker has announced itself up (state "running").
    if (mode === 'serve') {
        for (;;) {
            if (proc.exitCode !== null) throw new Error(`shoal exited early (${proc.exitCode}):\n${logs}`);
            let st = null;
            try { st = shoalStatus(port); } catch { /* the segment may not exist yet */ }
            if (st && st.slots.length === workers && st.slots.every((x) => x.state === 'running')) break;
            if (Date.now() > deadline) {
                proc.kill('SIGKILL');
                throw new Error(`shoal's ${workers} workers not all up within ${timeoutMs} ms:\n${logs}`);
            }
            await sleep(20);
        }
    }

    return {
        port,
        proc,
        url: `${tlsCa ? 'wss' : 'ws'}://127.0.0.1:${port}`,
        logs: () => logs,
        exited,
        async stop(deadlineMs = 5000) {
            if (proc.exitCode !== null || proc.signalCode !== null) return exited;
            proc.kill('SIGTERM');
            const t = setTimeout(() => proc.kill('SIGKILL'), deadlineMs);
            const r = await exited;
            clearTimeout(t);
            return r;
        },
    };
}
