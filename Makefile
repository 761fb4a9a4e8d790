# webhookd — build, test, run and container targets.
COMPOSE ?= docker compose
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
CMAKE_FLAGS ?=
DATABASE_URL ?= sqlite:///data/app.db
PORT ?= 8000

.PHONY: all deps build test run up down logs clean

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

run: build
	DATABASE_URL="$(DATABASE_URL)" PORT="$(PORT)" ./$(BUILD_DIR)/webhookd

up:
	$(COMPOSE) up -d --build

down:
	$(COMPOSE) down -v

logs:
	$(COMPOSE) logs -f api

clean:
	rm -rf $(BUILD_DIR)
