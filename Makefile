# jpki: the two set-up commands.
#   make run    install what is missing, build, initialise ./var on first run, serve
#               (HTTP on 127.0.0.1:8080, HTTPS with the demo portal on 127.0.0.1:8443)
#   make test   install what is missing, build, run every test suite
# Both work on a fresh Debian 12 machine (they call apt-get when a package is missing).

BUILD      ?= build
BUILD_ASAN ?= build-asan
JPKI_DATA  ?= $(CURDIR)/var
LISTEN     ?= 127.0.0.1:8080
TLS_LISTEN ?= 127.0.0.1:8443

# Debian 12 packages the build, the program and the tests need.
DEPS = build-essential meson ninja-build pkg-config libssl-dev openssl libsqlite3-dev sqlite3 \
       libmicrohttpd-dev libjansson-dev libcmocka-dev curl clang libclang-rt-14-dev \
       pcscd vsmartcard-vpcd opensc libpcsclite-dev python3 iproute2 util-linux clang-format \
       libcairo2-dev libpango1.0-dev fonts-ipaexfont-gothic poppler-utils libp11-kit-dev \
       libxmlsec1-dev xmlsec1 libengine-pkcs11-openssl python3-cryptography chromium \
       libcurl4-openssl-dev python3-jsonschema libfido2-dev libpq-dev postgresql

BUILD_COV  ?= build-coverage
BUILD_FUZZ ?= build-fuzz
FUZZ_RUNS  ?= 1000000
FUZZ       ?= login_token login_json api_request webauthn

.PHONY: all deps build run test test-unit test-asan test-integration bench clean format coverage fuzz

all: build

deps:
	@./scripts/deps.sh $(DEPS)

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: build
	@./scripts/run.sh $(BUILD)/jpki "$(JPKI_DATA)" "$(LISTEN)" "$(TLS_LISTEN)"

test: build
	@./scripts/test.sh $(BUILD) $(BUILD_ASAN)

bench: build
	./bench/issue

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# line coverage of the unit and integration suites: $(BUILD_COV)/meson-logs/coverage.txt
coverage: deps
	@./scripts/deps.sh gcovr
	[ -f $(BUILD_COV)/build.ninja ] || meson setup $(BUILD_COV) -Db_coverage=true -Dbuildtype=debug
	ninja -C $(BUILD_COV)
	meson test -C $(BUILD_COV) --num-processes 2 || true
	JPKI=$(CURDIR)/$(BUILD_COV)/jpki tests/integration/run.sh || true
	ninja -C $(BUILD_COV) coverage-text
	tail -n 40 $(BUILD_COV)/meson-logs/coverage.txt

# long fuzz runs (make test only replays the corpora): FUZZ_RUNS executions of each target in
# FUZZ (names of tests/fuzz/fuzz_*.c), libFuzzer with ASan + UBSan, on a copy of the seed corpus
fuzz: deps
	[ -f $(BUILD_FUZZ)/build.ninja ] || CC=clang meson setup $(BUILD_FUZZ) \
		-Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(BUILD_FUZZ) $(addprefix tests/fuzz/fuzz_,$(FUZZ))
	@for t in $(FUZZ); do \
		rm -rf $(BUILD_FUZZ)/corpus/$$t && mkdir -p $(BUILD_FUZZ)/corpus && \
		cp -r tests/fuzz/corpus/$$t $(BUILD_FUZZ)/corpus/$$t && \
		if ! $(BUILD_FUZZ)/tests/fuzz/fuzz_$$t -runs=$(FUZZ_RUNS) $(BUILD_FUZZ)/corpus/$$t \
			>$(BUILD_FUZZ)/fuzz_$$t.log 2>&1; then \
			tail -n 40 $(BUILD_FUZZ)/fuzz_$$t.log; echo "fuzz_$$t: FAILED"; exit 1; \
		fi; \
		echo "fuzz_$$t: $$(grep '^Done' $(BUILD_FUZZ)/fuzz_$$t.log)"; \
	done

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_COV) $(BUILD_FUZZ)
