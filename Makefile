# The README's two commands: `make run` (the main job on the built-in default scenario) and
# `make test` (the whole suite). Each installs missing Debian packages, then configures and
# builds incrementally.
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
AIINFRA    := $(BUILD)/aiinfra

.PHONY: all deps configure build run test test-asan bench bench-loadgen bench-serve bench-quant docs check-docs format clean

all: build

deps:
	@scripts/setup.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# Until the simulator lands, the main job is the hardware layer on the default SuperNode.
run: build
	$(AIINFRA) sim

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Unit tests under ASan+UBSan (the CI's second half). Slow tests are left to `make test`.
test-asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DAIINFRA_SANITIZE=ON
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS) -LE slow

bench: build
	$(BUILD)/bench/aiinfra_bench
	$(BUILD)/bench/loadgen_bench
	$(BUILD)/bench/serve_bench
	$(BUILD)/bench/quant_bench

# The load generator's part of `make bench` alone (bench/loadgen_bench.cc): streams held, open-loop
# rate and send lag, and the same load from Python's aiohttp.
bench-loadgen: build
	$(BUILD)/bench/loadgen_bench

# `aiinfra serve`'s part of `make bench` alone (bench/serve_bench.cc): streamed tokens/s and
# concurrent streams of the real serve stack on one core, fixed timing and the replica engine.
bench-serve: build
	$(BUILD)/bench/serve_bench

# The quantization toolkit's part of `make bench` alone (bench/quant_bench.cc): codec speeds
# against the scalar references and numpy, and the peak memory of converting a 2 GiB model.
bench-quant: build
	$(BUILD)/bench/quant_bench

# Regenerates the command reference in README.md from the command table.
docs: build
	scripts/gen-readme-commands.sh $(AIINFRA) README.md

# Fails when README.md's command reference is stale (the e2e test checks the same).
check-docs: build
	scripts/gen-readme-commands.sh $(AIINFRA) README.md --check

format:
	find src bench tests -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)

# Fuzzing (fuzz/README.md): libFuzzer builds of the fuzz targets in $(BUILD_FUZZ) with clang
# (16 or later: clang 14 cannot compile libstdc++'s std::expected), each run for FUZZ_SECONDS
# over a working copy of its seed corpus. Findings land in $(BUILD_FUZZ)/fuzz-artifacts/.
BUILD_FUZZ   ?= build-fuzz
FUZZ_SECONDS ?= 30
FUZZ_CXX     ?= clang++-16
FUZZ_TARGETS := units yaml catalog tuning model_yaml hf_config calibration reference dra_manifest cel dra_schedule workload_trace workload_spec api

.PHONY: fuzz
fuzz: deps
	@command -v $(FUZZ_CXX) >/dev/null && test -e "$$($(FUZZ_CXX) -print-file-name=libclang_rt.fuzzer-x86_64.a)" \
	  || scripts/setup.sh clang-16 libclang-rt-16-dev
	cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=$(FUZZ_CXX) \
	  -DAIINFRA_FUZZ=ON -DAIINFRA_BUILD_BENCH=OFF
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target $(addsuffix _fuzz,$(FUZZ_TARGETS))
	fuzz/run.sh $(BUILD_FUZZ) $(FUZZ_SECONDS) $(FUZZ_TARGETS)
