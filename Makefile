# routesrv: a C toolkit that serves skipper's routing table from Kubernetes.
#   make                 build every command (bin/)
#   make check           every test: C unit tests, bats command tests, conformance
#   make check SANITIZE=1  the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench           benchmarks (bench/), side by side with their anchors
#   make soak            long runs of routesrv-serve: RSS over 1 000 poll cycles, valgrind (tests/soak)
#   make install         PREFIX=/usr/local DESTDIR= ; make install-strip (stripped); make uninstall
# Libraries are found with pkg-config; make never installs anything: ./scripts/deps does
# (Debian packages). CFLAGS, CPPFLAGS and LDFLAGS from the command line are added to the
# flags the build needs (make CFLAGS=-O1 keeps -std, -Ilib and the version define).
VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
CC        ?= cc
PKGS      := libcurl libxxhash yaml-0.1 libmicrohttpd libdeflate libpcre2-8 gnutls
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS    ?= -O2 -g
# What the build needs, whatever CFLAGS says; -ffile-prefix-map keeps the checkout's path
# out of the binaries (reproducible builds).
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ljq -lm -lpthread
# BUILDROOT lets several builds (e.g. parallel work trees) keep apart: make BUILDROOT=build/me
BUILDROOT ?= build
# Sources generated from the spec (the same for every build flavour).
GEN       := $(BUILDROOT)/gen
REQ_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Ilib -I$(GEN) -DROUTESRV_VERSION='"$(VERSION)"' \
             -ffile-prefix-map=$(CURDIR)/= $(PKG_CFLAGS)
ifeq ($(SANITIZE),1)
  BUILD   := $(BUILDROOT)/san
  SAN_CFLAGS  := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
  SAN_LDFLAGS := -fsanitize=address,undefined
else
  BUILD   := $(BUILDROOT)/rel
endif
ALL_CFLAGS  = $(REQ_CFLAGS) $(SAN_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN_LDFLAGS) $(LDFLAGS)
LIBS        = $(PKG_LIBS) $(LDLIBS)
BIN       := $(BUILD)/bin

LIB_SRC   := $(sort $(wildcard lib/*/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libroutesrv.a
CMD_SRC   := $(sort $(wildcard cmd/*.c))
CMDS      := $(CMD_SRC:cmd/%.c=$(BIN)/%)
UNIT_SRC  := $(sort $(wildcard tests/unit/*.c))
UNITS     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Benchmark programs (bench/*/*.c, run by bench/*/run), built like the commands.
BENCH_SRC := $(sort $(wildcard bench/*/*.c))
BENCHES   := $(addprefix $(BUILD)/bench/,$(notdir $(BENCH_SRC:.c=)))
ALL_OBJ   := $(LIB_OBJ) $(CMD_SRC:%.c=$(BUILD)/%.o) $(UNIT_SRC:%.c=$(BUILD)/%.o) $(BENCH_SRC:%.c=$(BUILD)/%.o)

# Object files of tests, commands and benches are kept (no "rm" lines after a build).
.SECONDARY: $(CMD_SRC:%.c=$(BUILD)/%.o) $(UNIT_SRC:%.c=$(BUILD)/%.o) $(BENCH_SRC:%.c=$(BUILD)/%.o)

.PHONY: all check-libs check unit bats conformance bench bench-build soak example docs install install-strip uninstall clean
all: $(CMDS) bin

# bin/ always points at the last build, so tests and users find the commands in one place.
bin: $(CMDS)
	@ln -sfn $(BIN) bin

# Says which libraries are missing instead of failing on the first #include.
check-libs:
	@missing=""; for p in $(PKGS); do pkg-config --exists $$p 2>/dev/null || missing="$$missing $$p"; done; \
	printf '#include <jv.h>\n' | $(CC) $(PKG_CFLAGS) -E -x c - >/dev/null 2>&1 || missing="$$missing libjq"; \
	if [ -n "$$missing" ]; then \
		echo "make: missing libraries (pkg-config):$$missing; ./scripts/deps installs them" >&2; exit 1; fi

# Dependencies on headers come from the compiler (-MMD; -MP: a removed header is no error).
$(BUILD)/%.o: %.c | check-libs
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# The filter and predicate names skipper knows: docs/spec's table is the one source.
$(GEN)/skipper_names.inc: docs/spec/skipper-filters-predicates.tsv scripts/gen-skipper-names
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@scripts/gen-skipper-names $< >$@.tmp && mv $@.tmp $@
$(BUILD)/lib/routes/skipper_names.o: $(GEN)/skipper_names.inc

$(LIB): $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BIN)/%: $(BUILD)/cmd/%.o $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# bench/D/NAME.c → $(BUILD)/bench/NAME
$(foreach b,$(BENCH_SRC),$(eval $(BUILD)/bench/$(notdir $(b:.c=)): $(BUILD)/$(b:.c=.o) $(LIB)))
$(BENCHES):
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

check: all unit bats conformance

unit: $(UNITS)
	@./tests/run-unit $(UNITS)

# Test files and tests run in parallel (GNU parallel, from scripts/deps); BATS_JOBS=1: one by one.
BATS_JOBS ?= 4
bats: all
	@ROUTESRV_BIN=$(CURDIR)/$(BIN) bats --jobs $(BATS_JOBS) --print-output-on-failure tests/bats

conformance: all
	@if [ -x tests/conformance/run ]; then ROUTESRV_BIN=$(CURDIR)/$(BIN) tests/conformance/run; fi
	@ROUTESRV_BIN=$(CURDIR)/$(BIN) tests/conformance/run-validation

# Serves the bundled example cluster on 127.0.0.1:9090 (routes) and :9911 (metrics).
example: all
	@cat examples/try-it.txt
	$(BIN)/routesrv-serve -kubernetes-manifests examples/cluster \
		-address 127.0.0.1:9090 -support-listener 127.0.0.1:9911

# Regenerates man OPTIONS sections and completions from the option tables.
docs: all
	./scripts/gen-skipper-flags
	./scripts/gen-docs $(BIN)

bench-build: $(BENCHES)

# Builds, then runs every bench/*/run (they find their programs in $(BUILD)/bench).
bench: all bench-build
	@for b in bench/*/run; do echo "== $$b"; ROUTESRV_BIN=$(CURDIR)/$(BIN) $$b || exit 1; done

soak: all
	@ROUTESRV_BIN=$(CURDIR)/$(BIN) tests/soak/run

BASHCOMP := $(PREFIX)/share/bash-completion/completions
# Debian 12's zsh searches /usr/local/share/zsh/site-functions (local installs) and
# /usr/share/zsh/vendor-completions (packages), not PREFIX/share/zsh/vendor-completions in general.
ZSHCOMP  ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/share/zsh/vendor-completions,$(PREFIX)/share/zsh/site-functions)
# install-strip: the same with stripped binaries (the image's build stage uses it).
install-strip:
	$(MAKE) install INSTALL_STRIP=-s

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man7 \
		$(DESTDIR)$(BASHCOMP) $(DESTDIR)$(ZSHCOMP)
	install -m 755 $(INSTALL_STRIP) $(CMDS) $(DESTDIR)$(PREFIX)/bin/
	for c in $(CMD_SRC:cmd/%.c=%); do install -m 644 completions/routesrv.bash $(DESTDIR)$(BASHCOMP)/$$c; done
	install -m 644 completions/_routesrv $(DESTDIR)$(ZSHCOMP)/_routesrv
	for m in man/*.1; do [ -f "$$m" ] && install -m 644 "$$m" $(DESTDIR)$(PREFIX)/share/man/man1/; done; true
	for m in man/*.7; do [ -f "$$m" ] && install -m 644 "$$m" $(DESTDIR)$(PREFIX)/share/man/man7/; done; true

uninstall:
	rm -f $(CMD_SRC:cmd/%.c=$(DESTDIR)$(PREFIX)/bin/%) $(CMD_SRC:cmd/%.c=$(DESTDIR)$(BASHCOMP)/%)
	rm -f $(DESTDIR)$(ZSHCOMP)/_routesrv
	rm -f $(patsubst man/%,$(DESTDIR)$(PREFIX)/share/man/man1/%,$(wildcard man/*.1))
	rm -f $(patsubst man/%,$(DESTDIR)$(PREFIX)/share/man/man7/%,$(wildcard man/*.7))

clean:
	rm -rf $(BUILDROOT) bin

-include $(ALL_OBJ:.o=.d)

# --- fuzzing (tests/fuzz) -----------------------------------------------------------------
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="eskip kube"]   each target in turn
# libFuzzer targets need clang; the library is compiled from lib/*.c once more, with the
# fuzzer's coverage instrumentation and ASan+UBSan, in its own directory. Corpora grow in
# tests/fuzz/corpus-<target>/ (ignored by git), seeded by tests/fuzz/run. Warnings are not
# errors here: clang warns where gcc does not, and the regular build enforces -Werror.
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := $(BUILDROOT)/fuzz-lib
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(filter-out -Werror,$(REQ_CFLAGS))
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_BINS    := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(FUZZ_BUILD)/fuzz_%)
FUZZ_LIB     := $(FUZZ_BUILD)/libroutesrv.a
.SECONDARY: $(FUZZ_SRC:%.c=$(FUZZ_BUILD)/%.o)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		tests/fuzz/run $(FUZZ_BUILD)/fuzz_$$t $(FUZZ_SECONDS) || exit 1; done

$(FUZZ_BUILD)/%.o: %.c | check-libs
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/lib/routes/skipper_names.o: $(GEN)/skipper_names.inc

$(FUZZ_LIB): $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	@echo "  LD      $@"
	@$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LIBS)

-include $(wildcard $(FUZZ_BUILD)/*/*.d $(FUZZ_BUILD)/*/*/*.d)
