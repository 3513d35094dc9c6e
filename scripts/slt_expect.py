#!/usr/bin/env python3
"""Fills in the expected results of a sqllogictest file from SQLite.

    scripts/slt_expect.py tests/slt/foo.test > /tmp/foo && mv /tmp/foo tests/slt/foo.test

The input has `statement ok|error` and `query <types> <sort>` records
(with or without results: existing ones are replaced); each query is run by Python's sqlite3 (the reference
engine) and its rows rendered as the upstream runner does (see
../shared/slt/README.md): I as a 32-bit integer, R with %.3f, T as text
with (empty) for '' and @ for unprintable bytes, NULL as NULL; rowsort and
valuesort sort the rendered values. A statement whose outcome differs from
its record is reported on stderr, so a template cannot lie about SQLite.
"""
import sqlite3
import sys


def as_int(v):
    if v is None:
        return None
    if isinstance(v, int):
        i = v
    elif isinstance(v, float):
        i = int(v)
    elif isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
        return as_int(v)
    else:
        s = v.strip()
        n = ""
        for k, c in enumerate(s):
            if c.isdigit() or (k == 0 and c in "+-"):
                n += c
            else:
                break
        try:
            i = int(n)
        except ValueError:
            i = 0
    i &= 0xFFFFFFFF
    return i - (1 << 32) if i >= 1 << 31 else i


def as_real(v):
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    s = v.strip()
    best = 0.0
    for k in range(len(s), 0, -1):
        try:
            best = float(s[:k])
            break
        except ValueError:
            continue
    return best


def render(v, t, con):
    if v is None:
        return "NULL"
    if t == "I":
        return "%d" % as_int(v)
    if t == "R":
        return "%.3f" % as_real(v)
    if isinstance(v, float):
        s = con.execute("SELECT CAST(? AS TEXT)", (v,)).fetchone()[0]
    elif isinstance(v, bytes):
        s = v.decode("utf-8", "replace")
    else:
        s = str(v)
    if s == "":
        return "(empty)"
    return "".join(c if " " <= c <= "~" else "@" for c in s)


def main():
    lines = open(sys.argv[1]).read().split("\n")
    con = sqlite3.connect(":memory:", isolation_level=None)
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("statement") or line.startswith("query"):
            head = line
            i += 1
            sql = []
            while i < len(lines) and lines[i].strip() != "" and lines[i] != "----":
                sql.append(lines[i])
                i += 1
            # Results already there (regenerating in place) are replaced.
            while i < len(lines) and lines[i].strip() != "":
                i += 1
            text = "\n".join(sql)
            out.append(head)
            out.extend(sql)
            if head.startswith("statement"):
                try:
                    con.execute(text)
                    ok = True
                except sqlite3.Error as e:
                    ok = False
                    err = e
                if ok != (head == "statement ok"):
                    print("mismatch: %s\n%s\n%s" % (head, text, "" if ok else err), file=sys.stderr)
            else:
                parts = head.split()
                types, sort = parts[1], parts[2] if len(parts) > 2 else "nosort"
                rows = con.execute(text).fetchall()
                vals = [[render(v, types[k] if k < len(types) else "T", con) for k, v in enumerate(r)] for r in rows]
                if sort == "rowsort":
                    vals.sort()
                flat = [x for r in vals for x in r]
                if sort == "valuesort":
                    flat.sort()
                out.append("----")
                out.extend(flat)
            out.append("")
            while i < len(lines) and lines[i].strip() == "":
                i += 1
            continue
        out.append(line)
        i += 1
    sys.stdout.write("\n".join(out).rstrip("\n") + "\n")


main()
