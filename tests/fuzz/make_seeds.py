#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the starting seeds of tests/fuzz/corpus/<target>/ (seed-*), one well-formed example of
# each thing a target parses plus a few near misses, so every run starts past the outer checks.
# Regression seeds (regress-*) and merged finds are committed beside them and never rewritten.
# Run it again after a format change (e.g. a new bus record) and commit what changed.
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# HTTP: [cut seed] [max piece] then the stream.
def http():
    ctl = b"\x07\x05"
    reqs = {
        "get": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "pipelined": b"GET /ready HTTP/1.1\r\nHost: x\r\n\r\nGET /a?b=c HTTP/1.1\r\n\r\n",
        "post_body": b"POST /apps/1/events?auth_key=k HTTP/1.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 11\r\n\r\n{\"a\":\"b\"}\r\n",
        "upgrade": b"GET /app/key?protocol=7 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n\x81\x82abcd",
        "upgrade_v8": b"GET /socket/websocket?vsn=2.0.0 HTTP/1.1\r\nUpgrade: websocket\r\n"
        b"Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 8\r\n\r\n",
        "http10": b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
        "chunked": b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "two_lengths": b"POST /x HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "obs_fold": b"GET / HTTP/1.1\r\nX: a\r\n  b\r\n\r\n",
        "space_colon": b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        "version": b"GET / HTTP/2.0\r\n\r\n",
        "too_large": b"GET / HTTP/1.1\r\nX: " + b"a" * 600 + b"\r\n\r\n",
        "body_too_large": b"POST / HTTP/1.1\r\nContent-Length: 300\r\n\r\n",
        "bare_lf": b"GET / HTTP/1.1\nHost: x\n\n",
    }
    for k, v in reqs.items():
        write("http_request_parser", k, ctl + v)


def ws_frame(op, payload, fin=True, mask=b"\x01\x02\x03\x04", rsv=0):
    b0 = (0x80 if fin else 0) | rsv << 4 | op
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        h = bytes([b0, m | n])
    elif n <= 0xFFFF:
        h = bytes([b0, m | 126]) + struct.pack(">H", n)
    else:
        h = bytes([b0, m | 127]) + struct.pack(">Q", n)
    if not mask:
        return h + payload
    return h + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))


# WebSocket: [options: bit 7 = no mask required, low bits = limit] [cut seed] [max piece].
def ws():
    ctl = b"\x10\x03\x07"
    t, c, b, cl, pi, po = 1, 0, 2, 8, 9, 10
    seeds = {
        "text": ws_frame(t, b"hello"),
        "binary": ws_frame(b, bytes(range(40))),
        "fragmented_ping": ws_frame(t, b"frag", False) + ws_frame(pi, b"p!") +
        ws_frame(c, b"mented"),
        "len16": ws_frame(t, b"x" * 200),
        "len64": bytes([0x82, 0xFF]) + struct.pack(">Q", 5) + b"\x01\x02\x03\x04" + b"abcde",
        "close": ws_frame(cl, struct.pack(">H", 1000) + b"bye"),
        "close_empty": ws_frame(cl, b""),
        "pong": ws_frame(po, b""),
        "utf8": ws_frame(t, "caf\u00e9 \u2603 \U0001F600".encode()),
        "utf8_split": ws_frame(t, b"ok \xf0\x9f", False) + ws_frame(c, b"\x98\x80"),
        "bad_utf8": ws_frame(t, b"\xc0\xaf"),
        "unmasked": ws_frame(t, b"hi", mask=None),
        "rsv": ws_frame(t, b"hi", rsv=2),
        "too_big": ws_frame(b, b"y" * 400),
        "bad_close_code": ws_frame(cl, struct.pack(">H", 1004)),
    }
    for k, v in seeds.items():
        write("ws_frame_parser", k, ctl + v)
    write("ws_frame_parser", "client_side", b"\x90\x01\x02" + ws_frame(t, b"server text", mask=None))


def pusher():
    seeds = {
        "ping": b'{"event":"pusher:ping","data":{}}',
        "subscribe": b'{"event":"pusher:subscribe","data":{"channel":"my-channel"}}',
        "private": b'{"event":"pusher:subscribe","data":{"channel":"private-a","auth":"k:abc"}}',
        "presence": b'{"event":"pusher:subscribe","data":{"channel":"presence-room","auth":"k:s",'
        b'"channel_data":"{\\"user_id\\":\\"u1\\",\\"user_info\\":{\\"name\\":\\"A\\"}}"}}',
        "presence_num": b'{"event":"pusher:subscribe","data":{"channel":"presence-r","auth":"k:s",'
        b'"channel_data":"{\\"user_id\\":42}"}}',
        "unsubscribe": b'{"event":"pusher:unsubscribe","data":{"channel":"my-channel"}}',
        "signin": b'{"event":"pusher:signin","data":{"auth":"k:s","user_data":"{\\"id\\":\\"u\\"}"}}',
        "client_event": b'{"event":"client-typing","channel":"private-a","data":{"x":[1,2.5,null,true],'
        b'"s":"\\u00e9\\ud83d\\ude00"}}',
        "client_string": b'{"event":"client-x","channel":"private-a","data":"text"}',
        "unknown": b'{"event":"other","data":1}',
        "lone_surrogate": b'{"event":"client-x","channel":"private-a","data":"\\udc00"}',
        "deep": b'{"event":"client-x","channel":"private-a","data":' + b"[" * 70 + b"]" * 70 + b"}",
        "not_object": b'["event"]',
    }
    for k, v in seeds.items():
        write("pusher_message", k, v)


def phoenix():
    seeds = {
        "join": b'["1","1","room:lobby","phx_join",{}]',
        "heartbeat": b'[null,"2","phoenix","heartbeat",{}]',
        "push": b'["1","3","room:lobby","new_msg",{"body":"hi \\u00e9","n":[1,2,{"a":null}]}]',
        "numeric_refs": b'[1,2,"room:1","leave",{}]',
        "leave": b'["1","4","room:lobby","phx_leave",{}]',
        "bad_topic": b'["1","1","","phx_join",{}]',
        "four": b'["1","1","t","e"]',
        "lone_surrogate": b'["1","1","t","e",{"a":"\\udc00"}]',
        "nested": b'["1","1","t","e",{"a":' + b"[" * 40 + b"]" * 40 + b'}]',
    }
    for k, v in seeds.items():
        write("phoenix_message", k, v)


# Bus records: [type index] then the payload. Index order as in bus_records_fuzz.cpp.
BROADCAST, JOIN, LEAVE, SNAPREQ, SNAPDONE, TERMINATE, COUNT, REMOTE, CACHED, DIRECTED = range(10)


def broadcast(topic, frames, exclude=b""):
    out = struct.pack("<HHB", len(topic), len(exclude), len(frames))
    for tag, f in frames:
        out += struct.pack("<BI", tag, len(f))
    out += topic + exclude
    for _, f in frames:
        out += f
    return out


def join(conn, epoch, topic, user, info):
    return struct.pack("<QQHHI", conn, epoch, len(topic), len(user), len(info)) + topic + user + info


def leave(conn, epoch, topic, user):
    return struct.pack("<QQHH", conn, epoch, len(topic), len(user)) + topic + user


def count(n, topic):
    return struct.pack("<IH", n, len(topic)) + topic


def server_text(payload):
    return ws_frame(1, payload, mask=None)


def records():
    frame = server_text(b'{"event":"e","channel":"c","data":"{}"}')
    seeds = {
        "broadcast": bytes([BROADCAST]) + broadcast(b"c", [(0, frame), (1, frame)], b"1.2"),
        "join": bytes([JOIN]) + join(7, 1, b"presence-r", b"u1", b'{"n":1}'),
        "leave": bytes([LEAVE]) + leave(7, 1, b"presence-r", b"u1"),
        "snapshot_request": bytes([SNAPREQ]) + struct.pack("<II", 1, 0xFFFFFFFF),
        "snapshot_done": bytes([SNAPDONE]) + struct.pack("<I", 3),
        "terminate": bytes([TERMINATE]) + struct.pack("<H", 2) + b"u1",
        "count": bytes([COUNT]) + count(5, b"room"),
        "remote_join": bytes([REMOTE]) + struct.pack("<Ii", 100, 0x4202) +
        join(7, 1, b"presence-r", b"u1", b"null"),
        "cached": bytes([CACHED]) + struct.pack("<QBHI", 10, 0, 7, len(frame)) + b"cache-x" + frame,
        "directed": bytes([DIRECTED]) + struct.pack("<IBI", 1, 3, 5) + b"hello",
    }
    for k, v in seeds.items():
        write("bus_records", k, v)


def history_publish(topic, name, data, user=b"", exclusion=b""):
    # u64 publisher, u8 origin, u8 from_client, u16 topic, u16 name, u32 data, u16 user, u16
    # exclusion, then the strings (shm_bus/records/bus_records.cpp).
    return (struct.pack("<QBBHHIHH", 0, 0xFF, 0, len(topic), len(name), len(data), len(user),
                        len(exclusion)) + topic + name + data + user + exclusion)


def wire(kind, host, slot=0, typ=0, body=b""):
    m = struct.pack("<IIQIi", 0x31434853, kind, host, slot, typ) + body
    return struct.pack("<H", len(m)) + m


def cluster():
    frame = server_text(b'{"event":"e","channel":"c","data":"{}"}')
    chunk = b"5\r\nhello\r\n"
    state = (wire(6, 2) + wire(1, 2, 0, 0x4202, join(1, 1, b"presence-r", b"u1", b"{}")) +
             wire(1, 2, 1, 0x4202, join(2, 1, b"presence-r", b"u2", b"null")) +
             wire(1, 2, 0, 0x4207, count(3, b"room")) + wire(4, 2, 0, 0, struct.pack("<Q", 1)))
    seeds = {
        "state": state,
        "broadcast": wire(1, 3, 0, 0x4201, broadcast(b"c", [(0, frame), (2, chunk)])),
        "leave_slot_down": state + wire(1, 2, 0, 0x4203, leave(1, 1, b"presence-r", b"u1")) +
        wire(2, 2, 1, 0, struct.pack("<Q", 1)),
        "snapshot_request": state + wire(3, 4, 0, 0, struct.pack("<Q", 0)),
        "bye": state + wire(5, 2),
        "reconcile": state + wire(6, 2) + wire(1, 2, 0, 0x4202, join(1, 1, b"presence-r", b"u1", b"{}")) +
        wire(4, 2, 0, 0, struct.pack("<Q", 1)),
        "bad_frame": wire(1, 3, 0, 0x4201, broadcast(b"c", [(0, server_text(b"\xc0\xaf"))])),
        "terminate": wire(1, 3, 0, 0x4206, struct.pack("<H", 2) + b"u1"),
        "history": wire(7, 3, 1, 0x420C, history_publish(b"app\x1ffeed", b"tick", b'{"n":1}') +
                        b"00ab00cd00ef0012" + b"%020d" % 42),
    }
    for k, v in seeds.items():
        write("cluster_wire", k, v)


if __name__ == "__main__":
    http()
    ws()
    pusher()
    phoenix()
    records()
    cluster()
