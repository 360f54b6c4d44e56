#!/usr/bin/env python3
"""Golden bytes for the Q4_K and Q6_K codecs of src/quant/kquants.cc.

An independent re-implementation, in plain Python, of ggml's reference row quantizers
quantize_row_q4_K_ref / quantize_row_q6_K_ref (with make_qkx2_quants, make_qx_quants,
nearest_int, get_scale_min_k4) and of dequantize_row_q4_K / dequantize_row_q6_K, written from the
algorithm's description rather than from the C++ code it checks. It uses only the standard
library:

- float32 arithmetic: each +, -, *, / and sqrt is done on doubles holding float32 values and
  rounded to float32 (struct 'f'). Doubles carry 53 >= 2 * 24 + 2 bits, so that double rounding
  gives the correctly rounded float32 result for these operations.
- fp16: struct 'e', which rounds to nearest even.
- rounding to integer: Python's round(), half to even, which is what ggml's nearest_int
  (the 1.5 * 2^23 trick) computes for |v| <= 4194303; the script asserts that bound.

The test inputs come from a 64-bit LCG's integers turned into floats exactly, then at most a few
float32 operations, each rounded the same way in both languages, so that the C++ test
(kquants_test.cc, GoldenBlock) builds the very same floats. Run:

    python3 tests/golden/quant/kquants_golden.py > /tmp/golden.inc

and paste the printed tables into src/quant/kquants_test.cc.
"""
import math
import struct
import sys

QK_K = 256
# ggml's GROUP_MAX_EPS, 1e-15f: below it a group counts as all zero.
GROUP_MAX_EPS = struct.unpack('<f', struct.pack('<f', 1e-15))[0]


def f32(v):
    return struct.unpack('<f', struct.pack('<f', v))[0]


def add(a, b):
    return f32(a + b)


def sub(a, b):
    return f32(a - b)


def mul(a, b):
    return f32(a * b)


def div(a, b):
    return f32(a / b)


def f16_bits(v):
    return struct.unpack('<H', struct.pack('<e', v))[0]


def f16_value(h):
    return struct.unpack('<e', struct.pack('<H', h))[0]


def rint(v):
    assert abs(v) <= 4194303, v
    return int(round(v))


def clamp(v, lo, hi):
    return max(lo, min(hi, v))


# ---------------------------------------------------------------------------------------------
# Q4_K

def fit_scale_min(x, w, nmax=15, rmin=-1.0, rdelta=0.1, nstep=20):
    """Asymmetric codes 0..nmax with x ~ scale * code - neg_min; weighted squared error search.

    Returns (scale, neg_min, codes)."""
    n = len(x)
    rdelta = f32(rdelta)
    lo = min(x)  # the first of equals does not matter for a value
    hi = max(x)
    sum_w = w[0]
    sum_x = mul(sum_w, x[0])
    for i in range(1, n):
        sum_w = add(sum_w, w[i])
        sum_x = add(sum_x, mul(w[i], x[i]))
    if lo > 0:
        lo = 0.0
    if hi == lo:
        return 0.0, -lo, [0] * n
    iscale = div(float(nmax), sub(hi, lo))
    scale = div(1.0, iscale)
    codes = [clamp(rint(mul(iscale, sub(v, lo))), 0, nmax) for v in x]
    best = 0.0
    for v, c, wi in zip(x, codes, w):
        e = sub(add(mul(scale, float(c)), lo), v)
        best = add(best, mul(wi, mul(e, e)))
    for step in range(nstep + 1):
        # ggml moves the offset to the best fit so far: later candidates code x - lo for the
        # updated lo, over the range hi - lo.
        iscale = div(add(add(f32(rmin), mul(rdelta, float(step))), float(nmax)), sub(hi, lo))
        trial = [clamp(rint(mul(iscale, sub(v, lo))), 0, nmax) for v in x]
        s_l = s_l2 = s_xl = 0.0
        for v, c, wi in zip(x, trial, w):
            wl = mul(wi, float(c))
            s_l = add(s_l, wl)
            s_l2 = add(s_l2, mul(wl, float(c)))
            s_xl = add(s_xl, mul(wl, v))
        det = sub(mul(sum_w, s_l2), mul(s_l, s_l))
        if not det > 0:
            continue
        t_scale = div(sub(mul(sum_w, s_xl), mul(sum_x, s_l)), det)
        t_min = div(sub(mul(s_l2, sum_x), mul(s_l, s_xl)), det)
        if t_min > 0:
            t_min = 0.0
            t_scale = div(s_xl, s_l2)
        err = 0.0
        for v, c, wi in zip(x, trial, w):
            e = sub(add(mul(t_scale, float(c)), t_min), v)
            err = add(err, mul(wi, mul(e, e)))
        if err < best:
            best, scale, lo, codes = err, t_scale, t_min, trial
    return scale, -lo, codes


def scale_min_k4(packed, j):
    if j < 4:
        return packed[j] & 63, packed[j + 4] & 63
    return ((packed[j + 4] & 0xF) | ((packed[j - 4] >> 6) << 4),
            (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4))


def quantize_q4k(x):
    codes = [0] * QK_K
    scales, mins = [], []
    max_scale = max_min = 0.0
    for j in range(8):
        xs = x[32 * j:32 * j + 32]
        ss = 0.0
        for v in xs:
            ss = add(ss, mul(v, v))
        av = f32(math.sqrt(div(ss, 32.0)))
        w = [add(av, abs(v)) for v in xs]
        s, m, c = fit_scale_min(xs, w)
        codes[32 * j:32 * j + 32] = c
        scales.append(s)
        mins.append(m)
        if s > max_scale:
            max_scale = s
        if m > max_min:
            max_min = m
    inv_s = div(63.0, max_scale) if max_scale > 0 else 0.0
    inv_m = div(63.0, max_min) if max_min > 0 else 0.0
    packed = [0] * 12
    for j in range(8):
        ls = min(63, rint(mul(inv_s, scales[j])) & 0xFF)
        lm = min(63, rint(mul(inv_m, mins[j])) & 0xFF)
        if j < 4:
            packed[j] = ls
            packed[j + 4] = lm
        else:
            packed[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4)
            packed[j - 4] |= (ls >> 4) << 6
            packed[j] |= (lm >> 4) << 6
    hd = f16_bits(div(max_scale, 63.0))
    hm = f16_bits(div(max_min, 63.0))
    d_all, dmin_all = f16_value(hd), f16_value(hm)
    for j in range(8):
        sc, m = scale_min_k4(packed, j)
        d = mul(d_all, float(sc))
        if d == 0:
            continue
        dm = mul(dmin_all, float(m))
        for i in range(32 * j, 32 * j + 32):
            codes[i] = clamp(rint(div(add(x[i], dm), d)), 0, 15)
    qs = []
    for c in range(4):
        qs += [codes[64 * c + l] | (codes[64 * c + 32 + l] << 4) for l in range(32)]
    return bytes([hd & 0xFF, hd >> 8, hm & 0xFF, hm >> 8] + packed + qs)


def dequantize_q4k(b):
    d = f16_value(b[0] | (b[1] << 8))
    dmin = f16_value(b[2] | (b[3] << 8))
    packed, qs = b[4:16], b[16:144]
    y = [0.0] * QK_K
    for i in range(QK_K):
        c, l, high = i // 64, i % 32, (i // 32) % 2
        sc, m = scale_min_k4(packed, i // 32)
        q = (qs[32 * c + l] >> 4) if high else (qs[32 * c + l] & 0xF)
        y[i] = sub(mul(mul(d, float(sc)), float(q)), mul(dmin, float(m)))
    return y


# ---------------------------------------------------------------------------------------------
# Q6_K

def fit_symmetric(x, nmax=32):
    """Signed codes -nmax..nmax-1 (returned offset by +nmax), weights x^2. Returns (scale, codes)."""
    amax = 0.0
    peak = 0.0
    for v in x:  # the first element of the largest magnitude, with its sign
        if abs(v) > amax:
            amax, peak = abs(v), v
    if amax < GROUP_MAX_EPS:
        return 0.0, [0] * len(x)

    def sums(iscale):
        slx = sl2 = 0.0
        for v in x:
            l = clamp(rint(mul(iscale, v)), -nmax, nmax - 1)
            wv = mul(v, v)
            slx = add(slx, mul(mul(wv, v), float(l)))
            sl2 = add(sl2, mul(mul(wv, float(l)), float(l)))
        return slx, sl2

    def codes_for(iscale):
        return [nmax + clamp(rint(mul(iscale, v)), -nmax, nmax - 1) for v in x]

    iscale = div(float(-nmax), peak)
    slx, sl2 = sums(iscale)
    codes = codes_for(iscale)
    scale = div(slx, sl2) if sl2 != 0 else 0.0
    best = mul(scale, slx)
    for step in range(-9, 10):
        if step == 0:
            continue
        iscale = div(-add(float(nmax), mul(f32(0.1), float(step))), peak)
        slx, sl2 = sums(iscale)
        if sl2 > 0 and mul(slx, slx) > mul(best, sl2):
            codes = codes_for(iscale)
            scale = div(slx, sl2)
            best = mul(scale, slx)
    return scale, codes


def quantize_q6k(x):
    codes = [0] * QK_K
    scales = []
    max_scale = max_abs = 0.0
    for j in range(16):
        s, c = fit_symmetric(x[16 * j:16 * j + 16])
        codes[16 * j:16 * j + 16] = c
        scales.append(s)
        if abs(s) > max_abs:
            max_abs, max_scale = abs(s), s
    if max_abs < GROUP_MAX_EPS:
        return bytes(210)
    iscale = div(-128.0, max_scale)
    hd = f16_bits(div(1.0, iscale))
    sc = [min(127, rint(mul(iscale, s))) for s in scales]
    assert all(-128 <= v <= 127 for v in sc)
    d_all = f16_value(hd)
    for j in range(16):
        d = mul(d_all, float(sc[j]))
        if d == 0:
            continue
        for i in range(16 * j, 16 * j + 16):
            codes[i] = clamp(rint(div(x[i], d)), -32, 31) + 32
    ql, qh = [0] * 128, [0] * 64
    for i in range(QK_K):
        half, g, l = i // 128, (i % 128) // 32, i % 32
        q = codes[i]
        byte = 64 * half + l + (32 if g in (1, 3) else 0)
        ql[byte] |= (q & 0xF) << (4 if g >= 2 else 0)
        qh[32 * half + l] |= (q >> 4) << (2 * g)
    return bytes(ql + qh + [v & 0xFF for v in sc] + [hd & 0xFF, hd >> 8])


def dequantize_q6k(b):
    ql, qh, sc = b[0:128], b[128:192], b[192:208]
    d = f16_value(b[208] | (b[209] << 8))
    y = [0.0] * QK_K
    for i in range(QK_K):
        half, g, l = i // 128, (i % 128) // 32, i % 32
        byte = ql[64 * half + l + (32 if g in (1, 3) else 0)]
        low = (byte >> 4) if g >= 2 else (byte & 0xF)
        q = low | (((qh[32 * half + l] >> (2 * g)) & 3) << 4)
        s = sc[8 * half + 2 * g + l // 16]
        s = s - 256 if s >= 128 else s
        y[i] = mul(mul(d, float(s)), float(q - 32))
    return y


# ---------------------------------------------------------------------------------------------
# Inputs (mirrored by GoldenBlock in kquants_test.cc)

def lcg_uniforms(seed, n):
    """n exact float32 values k / 2^23 - 1 in [-1, 1), k the top 24 bits of an MMIX LCG."""
    out, s = [], seed
    for _ in range(n):
        s = (s * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        out.append(((s >> 40) - (1 << 23)) / float(1 << 23))
    return out


SUB_EXPONENTS = [0, 2, 4, 6, 8, 10, 1, 12]
NAMES = ['ramp', 'constant', 'negative constant', 'zero', 'outlier', 'uniform', 'heavy-tailed',
         'sub-block magnitudes', 'positive', 'tiny', 'zero sub-blocks', 'large']


def golden_block(kind):
    u = lcg_uniforms(1000 + kind, QK_K)
    if kind == 0:
        return [(i - 128) / 32.0 for i in range(QK_K)]
    if kind == 1:
        return [0.75] * QK_K
    if kind == 2:
        return [-1.5] * QK_K
    if kind == 3:
        return [0.0] * QK_K
    if kind == 4:
        x = [mul(v, 0.25) for v in u]
        x[77] = 24.0
        return x
    if kind == 5:
        return u
    if kind == 6:
        return [mul(mul(mul(v, v), v), 8.0) for v in u]
    if kind == 7:
        return [mul(v, math.ldexp(1.0, -SUB_EXPONENTS[i // 32])) for i, v in enumerate(u)]
    if kind == 8:
        return [add(v, 1.0) for v in u]
    if kind == 9:
        return [mul(v, math.ldexp(1.0, -20)) for v in u]
    if kind == 10:
        return [0.0 if 32 <= i < 48 or i >= 224 else v for i, v in enumerate(u)]
    if kind == 11:
        return [mul(v, 1024.0) for v in u]
    raise ValueError(kind)


def fnv1a64(floats):
    h = 0xCBF29CE484222325
    for v in floats:
        for byte in struct.pack('<f', v):
            h = ((h ^ byte) * 0x100000001B3) % (1 << 64)
    return h


def hex_lines(data, per_line=46):
    text = data.hex()
    return ['"%s"' % text[k:k + 2 * per_line] for k in range(0, len(text), 2 * per_line)]


def main():
    for name, quantize, dequantize in (('Q4K', quantize_q4k, dequantize_q4k),
                                       ('Q6K', quantize_q6k, dequantize_q6k)):
        print('// %s: one entry per GoldenBlock kind; generated by '
              'tests/golden/quant/kquants_golden.py.' % name)
        print('const Golden k%sGolden[] = {' % name)
        for kind, title in enumerate(NAMES):
            x = golden_block(kind)
            assert all(f32(v) == v for v in x)
            b = quantize(x)
            y = dequantize(b)
            print('    {// %d: %s' % (kind, title))
            for line in hex_lines(b):
                print('     ' + line)
            print('     , 0x%016xull},' % fnv1a64(y))
        print('};')
        print()


if __name__ == '__main__':
    sys.exit(main())
