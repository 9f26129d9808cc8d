#!/usr/bin/env python3
"""Rewrites an eskip document without changing its meaning (or with one deliberate
change), independently of routesrv's own parser and printer, for routesrv-diff tests.

Usage: eskip_edit.py MODE < in.eskip > out.eskip
       eskip_edit.py MODE IN OUT [IN OUT]...   (many files in one run)
  reformat   routes in reverse order, one token per line with varying indentation,
             comments between routes, predicates of distinct names in reverse order,
             LB endpoints in reverse order
  drop       the first route removed
  change     a filter inserted into the first route
  ids        the route IDs, one per line (a lone id-less route prints an empty line)

A small tokenizer is enough: it keeps every token's source text and only changes what
lies between tokens, or moves whole tokens.
"""
import sys


def tokens(text):
    i, n, out = 0, len(text), []
    while i < n:
        c = text[i]
        if c in " \t\r\n\v\f\x85\xa0":
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif c == "/":
            j, in_group, escaped = i + 1, False, False
            while j < n:
                d = text[j]
                if not escaped and not in_group and d == "[":
                    in_group = True
                elif not escaped and in_group and d == "]":
                    in_group = False
                if escaped:
                    escaped = False
                elif d == "\\":
                    escaped = True
                elif d == "/" and not in_group:
                    break
                j += 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith(("&&", "->"), i):
            out.append(text[i:i + 2])
            i += 2
        elif c == "<":
            for word in ("<shunt>", "<loopback>", "<dynamic>", "<forward>"):
                if text.startswith(word, i):
                    out.append(word)
                    i += len(word)
                    break
            else:
                out.append("<")
                i += 1
        elif c.isalnum() or c in "_.-":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "_."):
                j += 1
            out.append(text[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return out


def routes(toks):
    """Splits the token list into routes (lists of tokens, without the ';')."""
    out, cur = [], []
    for t in toks:
        if t == ";":
            if cur:
                out.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        out.append(cur)
    return out


def split_top(toks, sep):
    """Splits at sep tokens outside parentheses and <...>."""
    parts, cur, depth = [], [], 0
    for t in toks:
        if t in ("(", "<"):
            depth += 1
        elif t in (")", ">"):
            depth -= 1
        if t == sep and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    parts.append(cur)
    return parts


def has_id(r):
    return len(r) > 1 and r[1] == ":"


def reorder_inside(r):
    head = r[:2] if has_id(r) else []
    body = r[len(head):]
    parts = split_top(body, "->")
    preds = split_top(parts[0], "&&")
    names = [p[0] for p in preds]
    if len(set(names)) == len(names):
        preds.reverse()
    parts[0] = [t for k, p in enumerate(preds) for t in ((["&&"] if k else []) + p)]
    backend = parts[-1]
    if backend and backend[0] == "<" and backend[-1] == ">":
        inner = split_top(backend[1:-1], ",")
        algo = [inner.pop(0)] if inner and not inner[0][0].startswith('"') else []
        inner.reverse()
        items = algo + inner
        parts[-1] = ["<"] + [t for k, p in enumerate(items) for t in ((["," ] if k else []) + p)] + [">"]
    return head + [t for k, p in enumerate(parts) for t in ((["->"] if k else []) + p)]


def emit(rs, out):
    lone = len(rs) == 1 and not has_id(rs[0])
    for k, r in enumerate(rs):
        out.append("// route %d of %d, reordered\n" % (k + 1, len(rs)))
        for m, t in enumerate(r):
            out.append(t + ("\n" + " " * (m % 5) if m % 3 == 2 else "  "))
        out.append("\n" if lone else ";\n\n")


def edit(mode, text):
    rs = routes(tokens(text))
    out = []
    if mode == "ids":
        return "".join((r[0] if has_id(r) else "") + "\n" for r in rs)
    if mode == "reformat":
        emit([reorder_inside(r) for r in reversed(rs)], out)
    elif mode == "drop":
        emit(rs[1:], out)
    elif mode == "change" and rs:
        r = rs[0]
        k = r.index("->")
        rs[0] = r[:k + 1] + ["diffTestFilter", "(", "42", ")", "->"] + r[k + 1:]
        emit(rs, out)
    elif mode != "change":
        sys.exit("unknown mode " + mode)
    return "".join(out)


def main():
    mode, files = sys.argv[1], sys.argv[2:]
    if not files:
        sys.stdout.write(edit(mode, sys.stdin.read()))
    for src, dst in zip(files[::2], files[1::2]):
        with open(src, encoding="latin-1") as f:
            text = f.read()
        with open(dst, "w", encoding="latin-1") as f:
            f.write(edit(mode, text))


if __name__ == "__main__":
    main()
