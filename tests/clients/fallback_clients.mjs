// SPDX-License-Identifier: MIT
// Plain HTTP clients of shoal's fallback transports for the wire tests: an SSE stream reader
// (Node has no EventSource) and raw Phoenix long-poll requests, each on a connection of its own
// so requests spread over the workers as a browser's would.
import http from 'node:http';
import { APP } from './shoal_server.mjs';

// GET path; resolves with { status, headers, body } for a plain answer.
export function httpRequest(port, method, path, body = null, headers = {}) {
    if (body !== null) headers = { ...headers, 'content-length': Buffer.byteLength(body) };
    return new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method, path, agent: false, headers }, (res) => {
            let data = '';
            res.setEncoding('utf8');
            res.on('data', (d) => { data += d; });
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
        });
        req.on('error', reject);
        if (body !== null) req.write(body);
        req.end();
    });
}

// An SSE stream: events [{ id, event, data }] as parsed, comments counted, `closed` once the
// server ended it. close() drops it from the client side.
export function openSse(port, query, headers = {}, key = APP.key) {
    return new Promise((resolve, reject) => {
        const s = { events: [], comments: 0, retry: null, closed: false, status: 0, body: '' };
        const req = http.get({ host: '127.0.0.1', port, path: `/app/${key}/sse?${query}`, agent: false,
                               headers }, (res) => {
            s.status = res.statusCode;
            s.headers = res.headers;
            res.setEncoding('utf8');
            let buf = '';
            res.on('data', (d) => {
                if (res.statusCode !== 200) { s.body += d; return; }
                buf += d;
                let at;
                while ((at = buf.indexOf('\n\n')) >= 0) {
                    const block = buf.slice(0, at);
                    buf = buf.slice(at + 2);
                    const ev = {};
                    for (const line of block.split('\n')) {
                        if (line.startsWith(':')) { s.comments++; continue; }
                        const c = line.indexOf(':');
                        const k = line.slice(0, c);
                        const v = line.slice(c + 2);
                        if (k === 'retry') s.retry = Number(v);
                        else if (k === 'data') ev.data = JSON.parse(v);
                        else ev[k] = v;
                    }
                    if (ev.data) s.events.push(ev);
                }
            });
            res.on('end', () => { s.closed = true; });
            res.on('error', () => { s.closed = true; });
            s.close = () => req.destroy();
            resolve(s);
        });
        req.on('error', (e) => { if (!s.status) reject(e); });
    });
}

// One long-poll request; resolves with the parsed JSON answer (and the HTTP status).
export async function longPoll(port, method, token, body = null, params = 'vsn=2.0.0') {
    const q = token ? `${params}&token=${encodeURIComponent(token)}` : params;
    const headers = body === null ? {} : { 'content-type': 'application/x-ndjson' };
    const r = await httpRequest(port, method, `/socket/longpoll?${q}`, body, headers);
    return { http: r.status, ...(r.body ? JSON.parse(r.body) : {}) };
}
