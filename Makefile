# Thin wrapper over CMake. `make demo` and `make test` work on a fresh
# Debian 12 machine: scripts/deps.sh installs what is missing first.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
ASAN_BUILD ?= build-asan

.PHONY: all deps build build-asan demo test test-asan check-asan bench clean

all: build

deps:
	@sh scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DQUN_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# The main job: a dry-run of the weekend flash sale (seed 002) for 2 000
# members over its week, on the virtual clock: out/report.html and the
# summary. Nothing is sent and no secret is needed.
demo: build
	./$(BUILD)/qun sim playbooks/weekend_flash_sale.lua --config playbooks/weekend_flash_sale.team.lua \
	  --audience 2000 --start "2026-11-23 00:00" --days 7 --out out
	@echo "open out/report.html in a browser"

# Every test, then every test again under ASan + UBSan (leaks included).
test: build build-asan
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

check-asan test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

# Performance figures (bench/README.md); printed, never asserted.
bench: build
	@sh scripts/deps.sh --bench
	@sh scripts/bench.sh ./$(BUILD)/qun

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
