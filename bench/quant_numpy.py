#!/usr/bin/env python3
"""The numpy baseline of quant_bench (issue 7, item 5): the same formats as src/quant, written as
a numpy user would write them (vectorized over blocks, float32 arithmetic as ggml's reference),
timed on the same tensor.

Usage: quant_numpy.py FILE N [FORMAT=PATH ...]
  FILE holds N float32 values (little-endian, raw); each FORMAT=PATH names the bytes aiinfra wrote
  for that format from the same values.
Prints one JSON object: per format, the best of three runs in MB/s of float32 input, and whether
the bytes equal aiinfra's (Q8_0, Q4_0 and FP8 follow the reference arithmetic exactly; Q4_K
follows its search but is timed only).
"""
import hashlib
import json
import sys
import time

import numpy as np

F32 = np.float32


def f16_bytes(d):
    return d.astype(np.float16).view(np.uint8).reshape(-1, 2)


def q8_0(x):
    b = x.reshape(-1, 32)
    amax = np.abs(b).max(axis=1)
    d = (amax / F32(127)).astype(F32)
    with np.errstate(divide="ignore"):
        inv = np.where(d != 0, F32(1) / d, F32(0)).astype(F32)
    t = (b * inv[:, None]).astype(F32)
    q = (np.sign(t) * np.floor(np.abs(t) + F32(0.5))).astype(np.int8)  # roundf: half away
    return np.concatenate([f16_bytes(d), q.view(np.uint8)], axis=1).tobytes()


def q4_0(x):
    b = x.reshape(-1, 32)
    idx = np.abs(b).argmax(axis=1)  # the first of equal magnitudes, as the reference
    mx = b[np.arange(len(b)), idx]
    d = (mx / F32(-8)).astype(F32)
    with np.errstate(divide="ignore"):
        inv = np.where(d != 0, F32(1) / d, F32(0)).astype(F32)
    q = np.minimum(15, np.trunc((b * inv[:, None]).astype(F32) + F32(8.5))).astype(np.uint8)
    packed = q[:, :16] | (q[:, 16:] << 4)
    return np.concatenate([f16_bytes(d), packed], axis=1).tobytes()


def fp8_e4m3(x):
    """Saturating, round-to-nearest-even E4M3 of x / (amax / 448), as src/quant encodes FP8."""
    amax = np.abs(x[np.isfinite(x)]).max()
    scale = F32(amax / F32(448)) if amax > 0 else F32(1)
    v = (x / scale).astype(F32)
    sign = (np.signbit(v).astype(np.uint8) << 7)
    a = np.minimum(np.abs(v), F32(448)).astype(np.float64)
    e = np.floor(np.log2(np.maximum(a, 2.0 ** -9)))
    e = np.maximum(e, -6)  # subnormals share the smallest binade's quantum
    quantum = np.exp2(e - 3)
    units = np.rint(a / quantum)  # ties to even
    # Carry into the next binade, then the fields.
    carry = units >= 16
    units = np.where(carry, units / 2, units)
    e = np.where(carry, e + 1, e)
    sub = units < 8
    field = np.where(sub, 0, e + 7).astype(np.uint8)
    mant = np.where(sub, units, units - 8).astype(np.uint8)
    code = sign | (field << 3) | mant
    code = np.where(np.isnan(x), sign | 0x7F, code)
    return code.astype(np.uint8).tobytes()


def nearest_int(v):
    return np.rint(v).astype(np.int32)  # ggml's nearest_int: round half to even


def q4_k(x):
    """ggml's quantize_row_q4_K_ref vectorized over sub-blocks (make_qkx2_quants with nmax 15,
    rmin -1, rdelta 0.1, nstep 20), then the 6-bit scale packing."""
    sb = x.reshape(-1, 8, 32)
    n = sb.shape[0]
    xs = sb.reshape(-1, 32)
    sum_x2 = (xs * xs).sum(axis=1, dtype=F32)
    av_x = np.sqrt(sum_x2 / F32(32)).astype(F32)
    w = (av_x[:, None] + np.abs(xs)).astype(F32)
    mn = np.minimum(xs.min(axis=1), F32(0)).astype(F32)
    mx = xs.max(axis=1).astype(F32)
    sum_w = w.sum(axis=1, dtype=F32)
    sum_x = (w * xs).sum(axis=1, dtype=F32)
    rng = (mx - mn).astype(F32)
    with np.errstate(divide="ignore", invalid="ignore"):
        iscale = np.where(rng > 0, F32(15) / rng, F32(0)).astype(F32)
        scale = np.where(rng > 0, F32(1) / iscale, F32(0)).astype(F32)
        L = np.clip(nearest_int(iscale[:, None] * (xs - mn[:, None])), 0, 15)
        diff = (scale[:, None] * L + mn[:, None] - xs).astype(F32)
        best_mad = (w * diff * diff).sum(axis=1, dtype=F32)
        cur_min = mn.copy()  # the reference moves min to each better fit's
        for step in range(21):
            isc = ((F32(-1) + F32(0.1) * F32(step) + F32(15)) / (mx - cur_min)).astype(F32)
            l = np.clip(nearest_int(isc[:, None] * (xs - cur_min[:, None])), 0, 15)
            lf = l.astype(F32)
            sum_l = (w * lf).sum(axis=1, dtype=F32)
            sum_l2 = (w * lf * lf).sum(axis=1, dtype=F32)
            sum_xl = (w * lf * xs).sum(axis=1, dtype=F32)
            D = (sum_w * sum_l2 - sum_l * sum_l).astype(F32)
            this_scale = ((sum_w * sum_xl - sum_x * sum_l) / D).astype(F32)
            this_min = ((sum_l2 * sum_x - sum_l * sum_xl) / D).astype(F32)
            pos = this_min > 0
            this_scale = np.where(pos, sum_xl / sum_l2, this_scale).astype(F32)
            this_min = np.where(pos, F32(0), this_min).astype(F32)
            diff = (this_scale[:, None] * lf + this_min[:, None] - xs).astype(F32)
            mad = (w * diff * diff).sum(axis=1, dtype=F32)
            better = (D > 0) & (mad < best_mad)
            L = np.where(better[:, None], l, L)
            best_mad = np.where(better, mad, best_mad)
            scale = np.where(better, this_scale, scale)
            cur_min = np.where(better, this_min, cur_min)
        the_min = (-cur_min).astype(F32)
    scales = scale.reshape(n, 8)
    mins = the_min.reshape(n, 8)
    max_scale = scales.max(axis=1)
    max_min = mins.max(axis=1)
    with np.errstate(divide="ignore"):
        inv_scale = np.where(max_scale > 0, F32(63) / max_scale, F32(0)).astype(F32)
        inv_min = np.where(max_min > 0, F32(63) / max_min, F32(0)).astype(F32)
    ls = np.minimum(63, nearest_int(inv_scale[:, None] * scales)).astype(np.uint8)
    lm = np.minimum(63, nearest_int(inv_min[:, None] * mins)).astype(np.uint8)
    d = (max_scale / F32(63)).astype(np.float16).astype(F32)
    dmin = (max_min / F32(63)).astype(np.float16).astype(F32)
    # Final codes with the stored scales.
    dd = (d[:, None] * ls).astype(F32)
    dm = (dmin[:, None] * lm).astype(F32)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(dd[:, :, None] != 0,
                     np.clip(nearest_int((sb + dm[:, :, None]) / dd[:, :, None]), 0, 15), 0)
    # The 12-byte scale packing and nibble packing are left out: bytes are not compared for
    # Q4_K (this follows the reference's search, not its every rounding), only timed.
    return int(q.size)


def timed(fn, x):
    best = float("inf")
    out = None
    for _ in range(3):
        t0 = time.perf_counter()
        out = fn(x)
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    path, n = sys.argv[1], int(sys.argv[2])
    expect = dict(arg.split("=", 1) for arg in sys.argv[3:])
    x = np.fromfile(path, dtype="<f4", count=n)
    result = {"numpy": np.__version__, "python": sys.version.split()[0], "formats": {}}
    for name, fn in (("q8_0", q8_0), ("q4_0", q4_0), ("fp8_e4m3", fp8_e4m3), ("q4_k", q4_k)):
        seconds, out = timed(fn, x)
        entry = {"seconds": seconds, "mb_per_s": x.nbytes / seconds / 1e6}
        if isinstance(out, bytes):
            entry["sha256"] = hashlib.sha256(out).hexdigest()
            if name in expect:
                with open(expect[name], "rb") as f:
                    entry["equals_aiinfra"] = f.read() == out
        result["formats"][name] = entry
    print(json.dumps(result))


if __name__ == "__main__":
    main()
