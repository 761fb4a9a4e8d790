# webhookd — build, test, run and container targets.
COMPOSE ?= docker compose
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
CMAKE_FLAGS ?=
DATABASE_URL ?= sqlite:///data/app.db
PORT ?= 8000

.PHONY: all deps build test test-asan test-tsan fuzz bench bench-10m run up down logs up-cluster down-cluster clean

all: build

deps:
	bash scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	bash scripts/install-deps.sh test
	cd $(BUILD_DIR) && ctest --output-on-failure -j 1

# The whole CTest suite under sanitizers, each in its own build directory.
# Options (halt on the first error, tests/{tsan,lsan,ubsan}.supp) are
# compiled in: tests/sanitizer_options.cpp. Built -O1 with line tables only
# (-g1: reports still name function, file and line): -O2 -g took 2.3x as long
# to compile under ASan+UBSan (225 s against 96 s for tests/test_http_read.cpp),
# which made the sanitizer builds most of CI's time.
SANITIZER_FLAGS ?= -O1 -g1 -DNDEBUG
test-asan: deps
	bash scripts/install-deps.sh test
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEBHOOKD_SANITIZE='address,undefined' \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO='$(SANITIZER_FLAGS)' $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j 1

# TSan runs against a libcaf_core built with -fsanitize=thread (same release
# as Debian's; scripts/build-caf-tsan.sh), so that CAF's message hand-offs are
# visible to it instead of being reported as races.
test-tsan: deps
	bash scripts/install-deps.sh test
	caf=$$(bash scripts/build-caf-tsan.sh build-tsan/caf) && \
	  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEBHOOKD_SANITIZE=thread \
	    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO='$(SANITIZER_FLAGS)' \
	    -DCAF_CORE_LIBRARY="$$caf" $(CMAKE_FLAGS)
	cmake --build build-tsan -j $(JOBS)
	cd build-tsan && ctest --output-on-failure -j 1

# libFuzzer targets (clang, build-fuzz/), FUZZ_SECONDS each.
FUZZ_SECONDS ?= 20
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh

# Release build, wrk on loopback, Markdown table in bench/results/latest.md.
# BENCH_ROWS=200000 BENCH_SECONDS=5 make bench for a shorter run; BENCH_LOAD=file
# generates the rows instead of the bulk load over HTTP (bench/run.sh lists all knobs).
bench:
	bash scripts/install-deps.sh bench
	bash bench/run.sh

# The 10M-row read pass on a generated database, migrated by the server:
# bench/results/latest-10m.md.
bench-10m:
	bash scripts/install-deps.sh bench
	BENCH_DATABASE_ROWS=10000000 bash bench/run.sh

run: build
	DATABASE_URL="$(DATABASE_URL)" PORT="$(PORT)" ./$(BUILD_DIR)/webhookd

up:
	$(COMPOSE) up -d --build

down:
	$(COMPOSE) down -v

logs:
	$(COMPOSE) logs -f api

# Three replicas behind HAProxy on one PostgreSQL (docker-compose.cluster.yml);
# down-cluster keeps the database volume (`$(COMPOSE) -f ... down -v` deletes it).
CLUSTER_FILE ?= docker-compose.cluster.yml
up-cluster:
	$(COMPOSE) -f $(CLUSTER_FILE) up -d --build

down-cluster:
	$(COMPOSE) -f $(CLUSTER_FILE) down

clean:
	rm -rf $(BUILD_DIR)
