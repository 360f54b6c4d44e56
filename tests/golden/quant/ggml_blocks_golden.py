#!/usr/bin/env python3
# Golden bytes for src/quant/ggml_blocks_test.cc, from a second implementation of ggml's reference
# quantizers (spec: ../shared/specs/quant-security-ebpf.md 1.4) in numpy float32 arithmetic:
# the C++ code and this script agree byte for byte. Run: python3 tests/golden/quant/ggml_blocks_golden.py
import struct

import numpy as np
f32=np.float32
def f16(v): return struct.unpack('<H', np.float16(v).tobytes())[0]  # numpy f32->f16 is RNE
def q8_0(x):
    x=[f32(v) for v in x]; amax=max(abs(v) for v in x); d=f32(amax/f32(127)); id_=f32(1)/d if d else f32(0)
    out=list(struct.pack('<H',f16(d)))
    for v in x:
        t=f32(v*id_); r=int(np.sign(t)*np.floor(abs(t)+0.5))  # roundf: half away from zero
        out.append(r & 0xFF)
    return bytes(out)
def smax(x):
    amax=f32(0); mx=f32(0)
    for v in x:
        if amax < abs(v): amax=abs(v); mx=v
    return mx
def trunc8(t): return int(np.trunc(t))
def q4_0(x):
    x=[f32(v) for v in x]; d=f32(smax(x)/f32(-8)); id_=f32(1)/d if d else f32(0)
    out=list(struct.pack('<H',f16(d)))
    for j in range(16):
        lo=min(15,trunc8(f32(f32(x[j]*id_)+f32(8.5)))); hi=min(15,trunc8(f32(f32(x[j+16]*id_)+f32(8.5))))
        out.append(lo|(hi<<4))
    return bytes(out)
def q4_1(x):
    x=[f32(v) for v in x]; mn=min(x); mx=max(x); d=f32((mx-mn)/f32(15)); id_=f32(1)/d if d else f32(0)
    out=list(struct.pack('<HH',f16(d),f16(mn)))
    for j in range(16):
        lo=min(15,trunc8(f32(f32((x[j]-mn)*id_)+f32(0.5)))); hi=min(15,trunc8(f32(f32((x[j+16]-mn)*id_)+f32(0.5))))
        out.append(lo|(hi<<4))
    return bytes(out)
def q5_0(x):
    x=[f32(v) for v in x]; d=f32(smax(x)/f32(-16)); id_=f32(1)/d if d else f32(0)
    qs=[];qh=0
    for j in range(16):
        lo=min(31,trunc8(f32(f32(x[j]*id_)+f32(16.5)))); hi=min(31,trunc8(f32(f32(x[j+16]*id_)+f32(16.5))))
        qs.append((lo&15)|((hi&15)<<4)); qh|=((lo>>4)&1)<<j; qh|=((hi>>4)&1)<<(j+16)
    return struct.pack('<HI',f16(d),qh)+bytes(qs)
ramp=[j-16 for j in range(32)]
ramp2=[j for j in range(32)]
mixed=[f32(f32((j*37)%23-11)*f32(0.173)) for j in range(32)]  # as the test computes it, in float32
for name,fn in [('q8_0',q8_0),('q4_0',q4_0),('q4_1',q4_1),('q5_0',q5_0)]:
    for lab,x in [('ramp',ramp),('ramp2',ramp2),('mixed',mixed)]:
        print(name,lab,fn(x).hex())
