#!/usr/bin/env python3
"""Writes the seed corpus of quant_fuzz (fuzz/corpus/quant/): small safetensors and GGUF files,
valid ones and broken ones, encoded here independently of src/quant (from the spec,
../shared/specs/quant-security-ebpf.md 1.1-1.3), so that the seeds also check the C++ reader.

Usage: fuzz/quant_corpus.py [DIR]   (default: fuzz/corpus/quant beside this script)
Files named regression-* in DIR are kept; the others are rewritten.
"""
import json
import os
import struct
import sys


# ---- safetensors -----------------------------------------------------------------------------

def safetensors(tensors, metadata=None, pad=True, trailing=b""):
    """tensors: list of (name, dtype, shape, data bytes) in file order."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    offset = 0
    data = b""
    for name, dtype, shape, blob in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        data += blob
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data + trailing


def raw_safetensors(header_text, data=b""):
    return struct.pack("<Q", len(header_text)) + header_text + data


# ---- GGUF ------------------------------------------------------------------------------------

U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
FMT = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f", BOOL: "<B",
       U64: "<Q", I64: "<q", F64: "<d"}


def gstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def gvalue(t, v):
    if t == STR:
        return gstr(v)
    if t == ARR:
        et, items = v
        out = struct.pack("<IQ", et, len(items))
        return out + b"".join(gvalue(et, x) for x in items)
    return struct.pack(FMT[t], v)


def align(n, a):
    return n + (a - n % a) % a


def gguf(kvs, tensors, alignment=32, version=3):
    """kvs: list of (key, type, value); tensors: list of (name, dims, type, data bytes)."""
    out = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs))
    for key, t, v in kvs:
        out += gstr(key) + struct.pack("<I", t) + gvalue(t, v)
    offset = 0
    offsets = []
    for name, dims, t, blob in tensors:
        offsets.append(offset)
        offset = align(offset + len(blob), alignment)
    for (name, dims, t, blob), off in zip(tensors, offsets):
        out += gstr(name) + struct.pack("<I", len(dims))
        out += b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", t, off)
    out += b"\0" * (align(len(out), alignment) - len(out))
    for name, dims, t, blob in tensors:
        out += blob + b"\0" * (align(len(blob), alignment) - len(blob))
    return out


def pattern(n, seed=1):
    return bytes((seed * 37 + i * 11) & 0xFF for i in range(n))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus", "quant")
    os.makedirs(out_dir, exist_ok=True)
    for name in os.listdir(out_dir):
        if not name.startswith("regression-"):
            os.remove(os.path.join(out_dir, name))

    files = {}
    # Valid safetensors.
    files["st-golden.safetensors"] = safetensors([("a", "F16", [2], b"\x00\x3c\x00\x40")],
                                                 {"k": "v"})
    files["st-empty.safetensors"] = safetensors([])
    files["st-mixed.safetensors"] = safetensors(
        [("w.f64", "F64", [2], pattern(16)), ("w.f32", "F32", [2, 3], pattern(24, 2)),
         ("scalar", "BF16", [], pattern(2, 3)), ("empty", "F32", [0, 4], b""),
         ("w.e4m3", "F8_E4M3", [3, 1], pattern(3, 4)), ("mask", "BOOL", [2], b"\x01\x00"),
         ("f4", "F4", [2, 3], pattern(3, 5)), ("f6", "F6_E2M3", [4], pattern(3, 6))],
        {"format": "pt", "note": "ünïcødé"})
    # Broken safetensors.
    ok = [("a", "F32", [1], pattern(4)), ("b", "F32", [1], pattern(4, 2))]
    files["st-trailing.safetensors"] = safetensors(ok, trailing=b"GARBAGE")
    files["st-truncated.safetensors"] = safetensors(ok)[:-3]
    files["st-gap.safetensors"] = raw_safetensors(
        b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
        b'"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', pattern(12))
    files["st-overlap.safetensors"] = raw_safetensors(
        b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
        b'"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}', pattern(6))
    files["st-duplicate-key.safetensors"] = raw_safetensors(
        b'{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},'
        b'"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"x")
    files["st-bad-dtype.safetensors"] = raw_safetensors(
        b'{"a":{"dtype":"F17","shape":[1],"data_offsets":[0,4]}}', pattern(4))
    files["st-wrong-size.safetensors"] = raw_safetensors(
        b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', pattern(4))
    files["st-metadata-number.safetensors"] = raw_safetensors(b'{"__metadata__":{"n":1}}')
    files["st-huge-header.safetensors"] = struct.pack("<Q", 100_000_001) + b"{}"
    # nlohmann's lexer ends the input at a NUL: "{}" then a NUL and anything parsed as "{}".
    files["regression-nul-in-header.safetensors"] = raw_safetensors(b"{}\0\0\0\0\0\0")

    # Valid GGUF.
    arch = ("general.architecture", STR, "llama")
    files["gguf-golden.gguf"] = gguf([("general.architecture", STR, "x")],
                                     [("t", [2], 0, struct.pack("<ff", 1.0, -2.0))])
    files["gguf-values.gguf"] = gguf(
        [arch, ("u8", U8, 200), ("i8", I8, -5), ("u16", U16, 60000), ("i16", I16, -3),
         ("u32", U32, 7), ("i32", I32, -7), ("f32", F32, 0.5), ("bool", BOOL, 1),
         ("u64", U64, 2**64 - 1), ("i64", I64, -2**63), ("f64", F64, -1e300),
         ("tokenizer.ggml.tokens", ARR, (STR, ["<s>", "</s>", "a"])),
         ("tokenizer.ggml.scores", ARR, (F32, [0.0, -1.5, 2.0])),
         ("tokenizer.ggml.token_type", ARR, (I32, [3, 3, 1])),
         ("flags", ARR, (BOOL, [1, 0])),
         ("nested", ARR, (ARR, [(U8, [1, 2]), (STR, ["x"]), (ARR, [])])),
         ("empty", ARR, (U64, []))],
        [])
    files["gguf-quant-types.gguf"] = gguf(
        [arch, ("general.quantization_version", U32, 2), ("general.alignment", U32, 64)],
        [("q4_0", [64], 2, pattern(36)), ("q8_0", [32, 2], 8, pattern(68, 2)),
         ("q4_k", [256], 12, pattern(144, 3)), ("mxfp4", [32], 39, pattern(17, 4)),
         ("nvfp4", [64], 40, pattern(36, 5)), ("bf16", [3], 30, pattern(6, 6)),
         ("empty", [0, 4], 0, b"")],
        alignment=64)
    files["gguf-v2.gguf"] = gguf([arch], [("t", [4], 24, b"abcd")], version=2)
    # Broken GGUF.
    good = gguf([arch], [("a", [8], 0, pattern(32)), ("b", [8], 0, pattern(32, 2))])
    files["gguf-truncated.gguf"] = good[:-40]
    files["gguf-big-endian.gguf"] = b"GGUF" + struct.pack(">IQQ", 3, 0, 0)
    files["gguf-version1.gguf"] = b"GGUF" + struct.pack("<III", 1, 0, 0)
    files["gguf-huge-count.gguf"] = b"GGUF" + struct.pack("<IQQ", 3, 2**62, 2**62)
    files["gguf-removed-type.gguf"] = gguf([arch], [("w", [32], 4, pattern(20))])
    files["gguf-iq-type.gguf"] = gguf([arch], [("w", [256], 16, pattern(66))])
    files["gguf-bool-2.gguf"] = gguf([("flag", BOOL, 2)], [])
    files["gguf-deep-array.gguf"] = (
        b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + gstr("deep") + struct.pack("<I", ARR)
        + struct.pack("<IQ", ARR, 1) * 9 + struct.pack("<IQB", U8, 1, 7))
    overlap = bytearray(gguf([arch], [("a", [8], 0, pattern(32)), ("b", [8], 0, pattern(32))]))
    # b's offset (32) is the last u64 of its info (name, n_dims, ne[0], type, offset): make it 0.
    at = overlap.find(gstr("b")) + len(gstr("b")) + 4 + 8 + 4
    overlap[at:at + 8] = struct.pack("<Q", 0)
    files["gguf-overlap.gguf"] = bytes(overlap)
    files["gguf-misaligned.gguf"] = gguf([arch, ("general.alignment", U32, 12)], [])

    for name, blob in sorted(files.items()):
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(blob)
    print(f"wrote {len(files)} files to {out_dir}")


if __name__ == "__main__":
    main()
