// SPDX-License-Identifier: MIT
// Turns a scripts/bench.sh output folder into results.json, results.csv and plot.svg, and prints
// the table (Markdown, so it can be pasted into README "Performance"). No dependencies.
// Usage: node scripts/bench_report.mjs OUT_DIR
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = process.argv[2];
const read = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
// With --rounds N a step has one file per round (name.rK.json): the step's row is its median run
// by deliveries/s, and `runs` keeps every round's figure for the spread.
const all = fs.readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('results') && f !== 'meta.json')
    .map((f) => { try { return { ...read(f), round: Number((/\.r(\d+)\.json$/.exec(f) ?? [0, 1])[1]) }; }
                  catch { return null; } })
    .filter((r) => r && r.config);
const byLabel = new Map();
for (const r of all) byLabel.set(r.label, [...(byLabel.get(r.label) ?? []), r]);
const steps = [...byLabel.values()].map((runs) => {
    const sorted = [...runs].sort((a, b) => a.deliveries_per_s - b.deliveries_per_s);
    return { ...sorted[Math.floor((sorted.length - 1) / 2)], runs };
}).sort((a, b) => order(a.label) - order(b.label));
function order(label) {
    const m = /w(\d+)-n(\d+)-c(\d+)-s(\d+)/.exec(label) ?? [0, label.includes('stub') ? 3 : 9, 0, 0, 0];
    const n = Number((/-n(\d+)-/.exec(label) ?? [0, 0])[1]), c = Number((/-c(\d+)-/.exec(label) ?? [0, 0])[1]);
    const b = /-b1$/.test(label) ? 0.5 : 0;
    return (label.startsWith('latency') ? 1e12 : 0) + m[1] * 1e10 + (m[2] ? m[2] : n) * 1e4 +
        (m[3] ? m[3] : c) * 10 + m[4] / 1e4 + b;
}
const workersOf = (r) => Number((/-w(\d+)-/.exec(r.label) ?? [0, 1])[1]);

// ---- transport baseline: shm ring vs Unix socket, paired by record size and readers ----
let transport = [];
try { transport = read('transport_baseline_bench.json').benchmarks ?? []; } catch { /* not run */ }
const argsOf = (name) => ({ bytes: (/bytes:(\d+)/.exec(name) ?? [])[1],
    readers: (/readers:(\d+)/.exec(name) ?? [])[1], batch: (/batch:(\d+)/.exec(name) ?? [])[1] });
const baseline = [];
for (const u of transport.filter((b) => b.name.startsWith('BM_UnixSocketFanout'))) {
    const a = argsOf(u.name);
    const ring = transport.find((b) => b.name.startsWith('BM_ShmRingFanout') &&
        argsOf(b.name).bytes === a.bytes && argsOf(b.name).readers === a.readers &&
        argsOf(b.name).batch === a.batch);
    baseline.push({ uds: u.name.replace('/real_time', ''), uds_per_s: u.items_per_second,
        uds_cpu_ns: u.cpu_ns_per_msg, ring: ring?.name.replace('/real_time', '') ?? null,
        ring_per_s: ring?.items_per_second ?? null, ring_cpu_ns: ring?.cpu_ns_per_msg ?? null,
        ratio: ring ? ring.items_per_second / u.items_per_second : null });
}

// ---- results.json / results.csv ----
const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1];
let run = {};
try { run = read('meta.json'); } catch { /* older folders */ }
const meta = { date: new Date().toISOString(), cpu: cpu ?? 'unknown', cores: os.cpus().length,
    kernel: os.release(), server: run.server ?? 'shoal', commit: run.commit ?? 'unknown',
    shoal_bin: run.shoal_bin ?? '' };
fs.writeFileSync(path.join(dir, 'results.json'),
    JSON.stringify({ ...meta, steps, baseline }, null, 1));
const batchOf = (r) => r.config.batch ?? Number((/-b(\d+)$/.exec(r.label) ?? [0, 10])[1]);
const cols = [
    ['name', (r) => r.label], ['batch', batchOf], ['workers', workersOf], ['subscribers', (r) => r.config.connections],
    ['channels', (r) => r.config.channels], ['payload_bytes', (r) => r.config.payload_bytes],
    ['rate', (r) => r.config.rate], ['connect_per_s', (r) => r.connect.per_s],
    ['subscribed', (r) => r.connect.subscribed], ['published', (r) => r.published],
    ['expected', (r) => r.expected], ['delivered', (r) => r.delivered], ['lost', (r) => r.lost],
    ['deliveries_per_s', (r) => r.deliveries_per_s], ['p50_us', (r) => r.latency_us.p50],
    ['p90_us', (r) => r.latency_us.p90], ['p99_us', (r) => r.latency_us.p99],
    ['p999_us', (r) => r.latency_us.p999], ['max_us', (r) => r.latency_us.max],
    ['server_cores', (r) => r.server?.cores ?? ''],
    ['server_cpu_ns_per_delivery', (r) => r.server?.cpu_ns_per_delivery ?? ''],
    ['server_rss_bytes_per_conn', (r) => r.server?.rss_per_connection_bytes ?? ''],
    ['server_anon_rss_bytes_per_conn', (r) => r.server?.anon_rss_per_connection_bytes ?? ''],
    ['loadgen_cores', (r) => r.loadgen.cores],
    ['other_processes_cores', (r) => r.machine?.other_cores ?? ''], ['bottleneck', (r) => r.bottleneck],
];
const csv = [cols.map((c) => c[0]).join(',')]
    .concat(steps.map((r) => cols.map((c) => JSON.stringify(c[1](r) ?? '')).join(',')));
fs.writeFileSync(path.join(dir, 'results.csv'), csv.join('\n') + '\n');

// ---- plot.svg: deliveries/s bars, then latency percentiles on a log scale ----
const esc = (s) => String(s).replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
const W = 980, rowH = 18, left = 300, barW = W - left - 120;
const top1 = 40, h1 = steps.length * rowH;
const top2 = top1 + h1 + 70, h2 = steps.length * rowH;
const maxD = Math.max(1, ...steps.map((r) => r.deliveries_per_s));
const lat = steps.flatMap((r) => [r.latency_us.p50, r.latency_us.p99, r.latency_us.p999]).filter((v) => v > 0);
const lo = Math.log10(Math.max(1, Math.min(...lat, 10))), hi = Math.log10(Math.max(...lat, 100)) + 0.1;
const lx = (v) => left + ((Math.log10(Math.max(v, 1)) - lo) / (hi - lo)) * barW;
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${top2 + h2 + 50}" font-family="sans-serif" font-size="11">\n`;
svg += `<rect width="100%" height="100%" fill="white"/>\n`;
svg += `<text x="10" y="20" font-size="14" font-weight="bold">shoal fan-out: deliveries/s per configuration (server: ${esc(meta.server)}, ${esc(meta.date.slice(0, 10))}, ${esc(meta.cpu)}, ${meta.cores} cores)</text>\n`;
steps.forEach((r, i) => {
    const y = top1 + i * rowH;
    const w = (r.deliveries_per_s / maxD) * barW;
    svg += `<text x="${left - 6}" y="${y + 12}" text-anchor="end">${esc(r.label)}</text>`;
    svg += `<rect x="${left}" y="${y + 2}" width="${w.toFixed(1)}" height="${rowH - 4}" fill="${workersOf(r) > 1 ? '#d9822b' : '#2b6cb0'}"/>`;
    svg += `<text x="${left + w + 4}" y="${y + 12}">${Math.round(r.deliveries_per_s).toLocaleString('en-US')}${r.lost ? ` (lost ${r.lost})` : ''}</text>\n`;
});
svg += `<text x="10" y="${top2 - 20}" font-size="14" font-weight="bold">end-to-end latency, us (log scale): p50 ● p99 ▲ p99.9 ■</text>\n`;
for (let d = Math.ceil(lo); d <= hi; d++) {
    const x = lx(10 ** d);
    svg += `<line x1="${x}" y1="${top2 - 8}" x2="${x}" y2="${top2 + h2}" stroke="#ddd"/><text x="${x}" y="${top2 - 10}" text-anchor="middle">${(10 ** d).toLocaleString('en-US')}</text>\n`;
}
steps.forEach((r, i) => {
    const y = top2 + i * rowH + rowH / 2;
    const l = r.latency_us;
    svg += `<text x="${left - 6}" y="${y + 4}" text-anchor="end">${esc(r.label)}</text>`;
    svg += `<line x1="${lx(l.p50)}" y1="${y}" x2="${lx(l.p999)}" y2="${y}" stroke="#999"/>`;
    svg += `<circle cx="${lx(l.p50)}" cy="${y}" r="4" fill="#2f855a"/>`;
    svg += `<path d="M${lx(l.p99)} ${y - 5} l5 9 h-10 z" fill="#d69e2e"/>`;
    svg += `<rect x="${lx(l.p999) - 4}" y="${y - 4}" width="8" height="8" fill="#c53030"/>\n`;
});
svg += `<text x="10" y="${top2 + h2 + 30}">blue: --workers 1, orange: --workers 2. Generated by scripts/bench.sh.</text>\n</svg>\n`;
fs.writeFileSync(path.join(dir, 'plot.svg'), svg);

// ---- the table ----
const n0 = (v) => (v === '' || v == null ? '-' : Math.round(v).toLocaleString('en-US'));
const n1 = (v) => (v === '' || v == null ? '-' : Number(v).toFixed(1));
console.log(`\n${meta.date}  ${meta.cpu}  ${meta.cores} cores  Linux ${meta.kernel}  server: ${meta.server} @ ${meta.commit}\n`);
console.log('| step | deliveries/s | lost | p50 us | p99 us | p99.9 us | conn/s | server cores | server ns/delivery | server B/conn (anon) | loadgen cores | others cores | bottleneck |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const r of steps) {
    console.log(`| ${r.label} | ${n0(r.deliveries_per_s)} | ${r.lost} | ${n1(r.latency_us.p50)} | ${n1(r.latency_us.p99)} | ${n1(r.latency_us.p999)} | ${n0(r.connect.per_s)} | ${r.server ? r.server.cores.toFixed(2) : '-'} | ${n0(r.server?.cpu_ns_per_delivery)} | ${n0(r.server?.rss_per_connection_bytes)} (${n0(r.server?.anon_rss_per_connection_bytes)}) | ${r.loadgen.cores.toFixed(2)} | ${r.machine && r.machine.busy_cores >= 0 ? r.machine.other_cores.toFixed(2) : '-'} | ${r.bottleneck} |`);
}
// Batch 10 beside batch 1, per fan-out configuration.
const fanout = steps.filter((r) => /^fanout-w\d/.test(r.label));
const configs = [...new Set(fanout.map((r) => r.label.replace(/-b\d+$/, '')))];
if (configs.length) {
    console.log('\n| fan-out step | deliveries/s, 10 events per request (-b10) | deliveries/s, 1 event per request (-b1) | b1 / b10 |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const c of configs) {
        const b10 = fanout.find((r) => r.label === `${c}-b10`), b1 = fanout.find((r) => r.label === `${c}-b1`);
        console.log(`| ${c} | ${n0(b10?.deliveries_per_s)} | ${n0(b1?.deliveries_per_s)} | ${b10 && b1 ? (b1.deliveries_per_s / b10.deliveries_per_s).toFixed(2) : '-'} |`);
    }
}
// The floor: shoal (1 worker) as a fraction of shoal_fanout_stub for the same load, round by round.
const floors = steps.filter((r) => r.label.startsWith('fanout-floor-stub-'));
if (floors.length) {
    console.log('\n| load | stub deliveries/s | shoal --workers 1 deliveries/s | shoal / stub (median) | per round |');
    console.log('| --- | ---: | ---: | ---: | --- |');
    for (const f of floors) {
        const load = f.label.replace('fanout-floor-stub-', '');
        const own = steps.find((r) => r.label === `fanout-w1-${load}`);
        if (!own) continue;
        const ratios = f.runs.map((fr) => {
            const o = own.runs.find((x) => x.round === fr.round);
            return o ? o.deliveries_per_s / fr.deliveries_per_s : null;
        }).filter((x) => x !== null).sort((a, b) => a - b);
        const mid = ratios.length ? ratios[Math.floor((ratios.length - 1) / 2)] : null;
        console.log(`| ${load} | ${n0(f.deliveries_per_s)} | ${n0(own.deliveries_per_s)} | ${mid ? (100 * mid).toFixed(0) + ' %' : '-'} | ${ratios.map((x) => (100 * x).toFixed(0) + ' %').join(', ')} |`);
    }
}
if (baseline.length) {
    console.log('\n| Unix socket baseline | msgs/s | reader CPU ns/msg | shm ring msgs/s | ring reader CPU ns/msg | ring / socket |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const b of baseline) {
        console.log(`| ${b.uds} | ${n0(b.uds_per_s)} | ${n1(b.uds_cpu_ns)} | ${b.ring ? n0(b.ring_per_s) : 'not run'} | ${n1(b.ring_cpu_ns)} | ${b.ratio ? b.ratio.toFixed(1) + 'x' : '-'} |`);
    }
}
console.log(`\nfiles: ${path.join(dir, 'results.json')}, results.csv, plot.svg`);
