#!/usr/bin/env python3
"""A rogue MySQL server for tests: it asks clients for local files.

It speaks just enough of the MySQL client/server protocol for MariaDB
Connector/C to connect: a protocol v10 handshake announcing
mysql_native_password (the client's default plugin, so no auth switch is
needed), then an OK packet whatever the credentials. Queries it is told to
intercept (--request-on) are answered as a hostile server, or anyone on an
unencrypted path, can answer any query: with a LOCAL INFILE request (0xFB
followed by a file name of the server's choosing). Whatever the client sends
back is appended to --record, then the query is answered with OK, so the
error a client reports is its own. Every other query, and every other
command, gets a plain OK (a result-less answer), or with --result-sets a
SELECT or SHOW gets an empty result set with one text column per item of
its select list, so that a client reading rows gets past it to the query the
test means to intercept.

Standard library only. Each connection is served by its own thread.

  fake_mysql_server.py --port-file F --request-file PATH --record R --log L
                       [--request-on PREFIX]... [--after N] [--result-sets]
                       [--refuse-load] [--no-requests]

--port-file: where the listening port (on 127.0.0.1, chosen by the system)
  is written once the server accepts connections.
--request-on: intercept only queries whose text starts with PREFIX (case
  and leading blanks ignored); repeatable; without it every query is.
--after N: on each connection, answer the first N queries it would
  intercept with OK instead (to get past a client's session setup).
--no-requests: intercept no query at all.
--refuse-load: answer a query starting with LOAD (not intercepted) as a
  server with local_infile=OFF does, with error 1148.
--log: one line per event: "connect", "query <text>", "request <name>",
  "reply <n>" (the bytes the client sent back for a request).
"""

import argparse
import os
import socket
import socketserver
import struct
import sys
import threading

CLIENT_LONG_PASSWORD = 0x1
CLIENT_FOUND_ROWS = 0x2
CLIENT_LONG_FLAG = 0x4
CLIENT_CONNECT_WITH_DB = 0x8
CLIENT_LOCAL_FILES = 0x80
CLIENT_PROTOCOL_41 = 0x200
CLIENT_TRANSACTIONS = 0x2000
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_MULTI_STATEMENTS = 0x10000
CLIENT_MULTI_RESULTS = 0x20000
CLIENT_PLUGIN_AUTH = 0x80000

CAPABILITIES = (CLIENT_LONG_PASSWORD | CLIENT_FOUND_ROWS | CLIENT_LONG_FLAG | CLIENT_CONNECT_WITH_DB
                | CLIENT_LOCAL_FILES | CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS | CLIENT_SECURE_CONNECTION
                | CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS | CLIENT_PLUGIN_AUTH)
SERVER_STATUS_AUTOCOMMIT = 0x2

COM_QUIT = 0x01
COM_QUERY = 0x03
COM_BINLOG_DUMP = 0x12
MYSQL_TYPE_VAR_STRING = 0xFD


def lenenc_str(data):
    assert len(data) < 251
    return bytes([len(data)]) + data


def select_list_width(query):
    """Items in the select list: top-level commas between SELECT and FROM."""
    text = query.decode("utf-8", "replace")
    lower = text.lower()
    start = lower.find("select")
    if start < 0:
        return 1
    depth, quote, width = 0, None, 1
    i = start + len("select")
    while i < len(text):
        c = text[i]
        if quote:
            if c == quote:
                quote = None
        elif c in "'`\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and c == ",":
            width += 1
        elif depth == 0 and lower.startswith(" from ", i):
            break
        i += 1
    return width


class Closed(Exception):
    pass


class Config:
    def __init__(self, args):
        self.request_file = args.request_file.encode()
        self.prefixes = [p.strip().lower() for p in args.request_on]
        self.after = args.after
        self.result_sets = args.result_sets
        self.refuse_load = args.refuse_load
        self.no_requests = args.no_requests
        self.lock = threading.Lock()
        self.record_path = args.record
        self.log_path = args.log

    def intercepts(self, query):
        if self.no_requests:
            return False
        text = query.decode("utf-8", "replace").lstrip().lower()
        return not self.prefixes or any(text.startswith(p) for p in self.prefixes)

    def log(self, line):
        with self.lock, open(self.log_path, "a", encoding="utf-8") as f:
            f.write(line.replace("\n", " ") + "\n")

    def record(self, data):
        with self.lock, open(self.record_path, "ab") as f:
            f.write(data)


class Connection:
    def __init__(self, sock, config):
        self.sock = sock
        self.config = config
        self.seq = 0
        self.intercepted = 0

    def read_exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise Closed()
            out += chunk
        return out

    def read_packet(self):
        """One packet's payload; 16 MB continuations are joined."""
        payload = b""
        while True:
            header = self.read_exact(4)
            length = header[0] | (header[1] << 8) | (header[2] << 16)
            self.seq = (header[3] + 1) & 0xFF
            payload += self.read_exact(length)
            if length < 0xFFFFFF:
                return payload

    def send_packet(self, payload):
        header = struct.pack("<I", len(payload))[:3] + bytes([self.seq])
        self.seq = (self.seq + 1) & 0xFF
        self.sock.sendall(header + payload)

    def send_ok(self):
        self.send_packet(b"\x00\x00\x00" + struct.pack("<HH", SERVER_STATUS_AUTOCOMMIT, 0))

    def send_error(self, errno, message):
        self.send_packet(b"\xff" + struct.pack("<H", errno) + b"#42000" + message.encode())

    def send_eof(self):
        self.send_packet(b"\xfe" + struct.pack("<HH", 0, SERVER_STATUS_AUTOCOMMIT))

    def send_empty_result(self, query):
        width = select_list_width(query)
        self.send_packet(bytes([width]))
        for i in range(width):
            name = b"c%d" % i
            self.send_packet(lenenc_str(b"def") + lenenc_str(b"") + lenenc_str(b"") + lenenc_str(b"")
                             + lenenc_str(name) + lenenc_str(name) + b"\x0c" + struct.pack("<H", 45)
                             + struct.pack("<I", 1024) + bytes([MYSQL_TYPE_VAR_STRING]) + struct.pack("<H", 0)
                             + b"\x00" + b"\x00\x00")
        self.send_eof()  # end of the column definitions
        self.send_eof()  # no rows

    def handshake(self):
        scramble = b"abcdefgh" + b"ijklmnopqrst"  # 20 bytes, never checked
        payload = (b"\x0a" + b"5.5.5-10.11.99-MariaDB-rogue\x00" + struct.pack("<I", 7) + scramble[:8] + b"\x00"
                   + struct.pack("<H", CAPABILITIES & 0xFFFF) + bytes([45])
                   + struct.pack("<H", SERVER_STATUS_AUTOCOMMIT) + struct.pack("<H", CAPABILITIES >> 16)
                   + bytes([21]) + b"\x00" * 10 + scramble[8:] + b"\x00" + b"mysql_native_password\x00")
        self.seq = 0
        self.send_packet(payload)
        self.read_packet()  # the client's handshake response: any user, any password
        self.send_ok()

    def answer_with_file_request(self):
        self.config.log("request " + self.config.request_file.decode("utf-8", "replace"))
        self.send_packet(b"\xfb" + self.config.request_file)
        received = b""
        while True:
            data = self.read_packet()
            if not data:  # the empty packet ends the file (or is the client's refusal)
                break
            received += data
        self.config.record(received)
        self.config.log("reply %d" % len(received))
        self.send_ok()

    def serve(self):
        self.config.log("connect")
        self.handshake()
        while True:
            payload = self.read_packet()
            if not payload:
                continue
            command = payload[0]
            if command == COM_QUIT or command == COM_BINLOG_DUMP:
                return
            if command != COM_QUERY:
                self.send_ok()
                continue
            query = payload[1:]
            self.config.log("query " + query.decode("utf-8", "replace"))
            if self.config.intercepts(query):
                self.intercepted += 1
                if self.intercepted > self.config.after:
                    self.answer_with_file_request()
                    continue
            verb = query.lstrip()[:4].lower()
            if self.config.refuse_load and verb == b"load":
                self.send_error(1148, "The used command is not allowed with this MariaDB version")
            elif self.config.result_sets and verb in (b"sele", b"show"):
                self.send_empty_result(query)
            else:
                self.send_ok()


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(60)
        try:
            Connection(self.request, self.server.config).serve()
        except (Closed, ConnectionError, socket.timeout):
            pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--request-file", required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--request-on", action="append", default=[])
    parser.add_argument("--after", type=int, default=0)
    parser.add_argument("--result-sets", action="store_true")
    parser.add_argument("--refuse-load", action="store_true")
    parser.add_argument("--no-requests", action="store_true")
    args = parser.parse_args()
    open(args.record, "wb").close()
    open(args.log, "w").close()
    server = Server(("127.0.0.1", 0), Handler)
    server.config = Config(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
