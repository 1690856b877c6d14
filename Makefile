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
       libcurl4-openssl-dev

BUILD_COV  ?= build-coverage

.PHONY: all deps build run test test-unit test-asan test-integration bench clean format coverage

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

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_COV)
