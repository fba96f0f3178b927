// SPDX-License-Identifier: MIT
// A webhook receiver for scripts/bench_webhooks.sh: `node receiver.mjs ok|hang` listens on a free
// 127.0.0.1 port, prints it on its first line, and either answers every request 200 or never
// answers. On SIGTERM it prints {"requests":N,"events":M} and exits.
import http from 'node:http';

const mode = process.argv[2] === 'hang' ? 'hang' : 'ok';
let requests = 0;
let events = 0;
const held = [];
const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
        requests++;
        try { events += JSON.parse(body).events.length; } catch { /* counted as a request */ }
        if (mode === 'hang') { held.push(res); return; }
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
    });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.on('SIGTERM', () => {
    console.log(JSON.stringify({ mode, requests, events }));
    for (const r of held) r.destroy();
    process.exit(0);
});
