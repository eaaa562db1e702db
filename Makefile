# bevconf: conformance suite for libevent-style bufferevent implementations.
#
#   make deps                     install the Debian packages bevconf needs
#   make check [IMPL=libevent] [BACKEND=epoll|poll|select] [LIBEVENT_PREFIX=dir] [CASES=prefix...]
#   make list                     the case list (id, rules, level, requirement)
#   make report [IMPLS=...] [BACKENDS=...] [ORACLE=libevent]
#                                 the suite on every implementation x backend, then
#                                 build/report/{index.html,report.md,report.json,junit.xml}
#   make report-diff OLD=a/report.json NEW=b/report.json   regressions, fixes, changed traces
#   make bench                    suite wall time; echo throughput and connection churn, ref / libevent
#   make test                     bevconf's own tests: fault-layer self-tests, the suite on
#                                 every built-in implementation and backend, bad-input checks,
#                                 the report tests (fixtures, report-diff, headless Chromium),
#                                 fuzz corpora replayed, the OSS-Fuzz build script, mutants
#   make mutants [MUTANTS=name..] ref broken on purpose (mutants/ref/): the cases must fail
#   make fuzz TARGET=... ENGINE=libfuzzer|afl IMPL=... SECONDS=... JOBS=...   see fuzz/README.md
# All build outputs go to build/.

CC ?= cc
CFLAGS ?= -O1 -g
LDFLAGS ?=
WARNFLAGS := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
BUILD := build

# SANITIZE=1: the harness and the cases under ASan + UBSan (clang), built apart.
SANITIZE ?=
ifeq ($(SANITIZE),1)
  CC := clang
  CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  BUILD := build/sanitize
endif

IMPL ?= libevent
BACKEND ?=
CASES ?=
TIMEOUT ?= 5
# Cases run CASE_JOBS at a time (each still in its own process with its own timeout): most of
# them wait on the loop, so this shortens the suite without loading the CPU.
CASE_JOBS ?= 8

IMPLS := $(notdir $(patsubst %/,%,$(dir $(wildcard impls/*/impl.mk))))
# An implementation whose impl.mk says `IMPL_IN_TEST := no` (e.g. one that needs a long
# instrumented build first) is left out of `make test`'s loop; `make check IMPL=` still works.
IMPLS_IN_TEST := $(foreach i,$(IMPLS),$(if $(shell grep -qs '^IMPL_IN_TEST *:= *no' impls/$(i)/impl.mk && echo no),,$(i)))
IMPL_MK := impls/$(IMPL)/impl.mk
ifneq ($(wildcard $(IMPL_MK)),)
  include $(IMPL_MK)
else
  IMPL_ERROR := unknown IMPL=$(IMPL); available: $(IMPLS)
endif
ifneq ($(BACKEND),)
  ifeq ($(filter $(BACKEND),$(IMPL_BACKENDS)),)
    IMPL_ERROR ?= unknown BACKEND=$(BACKEND) for $(IMPL); available: $(IMPL_BACKENDS)
  endif
endif
IMPL_BUILD_NAME ?= $(IMPL)

OUT := $(BUILD)/$(IMPL_BUILD_NAME)
RUNNER := $(OUT)/bevconf
SELFTEST := $(OUT)/fault-selftest
RESULTS := $(OUT)/$(or $(BACKEND),default)/results.jsonl

CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm)
ALL_CFLAGS = -std=gnu11 $(CFLAGS) $(WARNFLAGS) -Iruntime -Irunner -Icases $(IMPL_CFLAGS) $(CHECK_CFLAGS) -MMD -MP
# -rdynamic exports the fault layer's libc wrappers so a shared libevent calls them too.
LINK = $(CC) $(CFLAGS) $(LDFLAGS) -rdynamic

HARNESS_SRC := $(wildcard runtime/*.c runner/*.c)
CASE_SRC := $(wildcard cases/*.c)
RUNNER_OBJ := $(patsubst %.c,$(OUT)/obj/%.o,$(HARNESS_SRC) $(CASE_SRC))
SELFTEST_OBJ := $(OUT)/obj/tests/fault_selftest.o $(OUT)/obj/runtime/fault.o
HELLO := $(OUT)/hello-world
HELLO_OBJ := $(OUT)/obj/cases/programs/hello-world.o
RUNNER_SELFTEST := $(OUT)/runner-selftest
RUNNER_SELFTEST_OBJ := $(OUT)/obj/tests/runner_cases.o $(OUT)/obj/tests/runner.o \
	$(filter-out %/runner.o,$(patsubst %.c,$(OUT)/obj/%.o,$(HARNESS_SRC)))

.PHONY: all build check list test deps clean impl-ok selftest test-prefixes test-bad-input valgrind \
	print-backends print-results coverage coverage-regress flaky flaky-one bench bench-one bench-progs bench-io-one \
	report report-diff test-reports e2e test-install-ref mutants
.DELETE_ON_ERROR:

all: build

# Bad configuration stops here with one line, before any compiler runs.
impl-ok:
	$(if $(IMPL_ERROR),$(error bevconf: $(IMPL_ERROR)))
	@:

build: impl-ok $(RUNNER)

$(OUT)/obj/%.o: %.c | impl-ok $(IMPL_DEPS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# A case file that does not compile against the implementation makes its cases SKIP.
$(OUT)/obj/cases/%.o: cases/%.c | impl-ok $(IMPL_DEPS)
	@mkdir -p $(@D)
	mk/compile-case.sh $< $@ $(CC) $(ALL_CFLAGS)

# Relink when an implementation's own library (IMPL_DEPS) is rebuilt.
$(RUNNER) $(SELFTEST) $(RUNNER_SELFTEST) $(HELLO): $(IMPL_DEPS)

$(RUNNER): $(RUNNER_OBJ) mk/link.sh
	mk/link.sh $@ $(OUT)/stubs "$(CC) $(CFLAGS)" -- $(LINK) $(RUNNER_OBJ) $(IMPL_LIBS) $(CHECK_LIBS) -ldl

$(SELFTEST): $(SELFTEST_OBJ)
	$(LINK) $(SELFTEST_OBJ) $(IMPL_LIBS) $(CHECK_LIBS) -ldl -o $@

# The runner again, built over the self-test list of cases that fail on purpose.
$(OUT)/obj/tests/runner.o: runner/runner.c | impl-ok
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests -DBC_CASE_LIST='"runner_cases.def"' -c $< -o $@

$(RUNNER_SELFTEST): $(RUNNER_SELFTEST_OBJ)
	$(LINK) $(RUNNER_SELFTEST_OBJ) $(IMPL_LIBS) $(CHECK_LIBS) -ldl -o $@

check: build
	@mkdir -p $(dir $(RESULTS))
	$(IMPL_ENV_$(BACKEND)) $(RUNNER) --impl $(IMPL_BUILD_NAME) --timeout $(TIMEOUT) --jobs $(CASE_JOBS) \
		$(if $(BACKEND),--backend $(BACKEND)) --results $(RESULTS) $(subst $(comma), ,$(CASES))
	@echo "results: $(RESULTS)"

list: build
	@$(RUNNER) --list $(subst $(comma), ,$(CASES))

selftest: impl-ok $(SELFTEST) $(RUNNER_SELFTEST) $(RUNNER)
	$(SELFTEST)
	tests/runner-selftest.sh $(RUNNER_SELFTEST)
	tests/contract-check.sh $(RUNNER)

# The suite and the fault self-tests under valgrind (every forked case included).
VALGRIND := valgrind -q --trace-children=yes --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9
valgrind: build $(SELFTEST)
	$(VALGRIND) $(SELFTEST)
	$(IMPL_ENV_$(BACKEND)) $(VALGRIND) $(RUNNER) --impl $(IMPL_BUILD_NAME) --timeout 30 --jobs $(CASE_JOBS) \
		$(if $(BACKEND),--backend $(BACKEND)) $(subst $(comma), ,$(CASES))

comma := ,

# End to end: libevent's sample/hello-world.c server (cases/programs/hello-world.c), built
# against the implementation; a client gets the greeting and EOF, SIGINT ends it with 0.
$(HELLO): $(HELLO_OBJ)
	$(LINK) $(HELLO_OBJ) $(IMPL_LIBS) -o $@

e2e: impl-ok $(HELLO)
	tests/e2e-hello.sh $(HELLO)

print-backends:
	@echo $(IMPL_BACKENDS)

# Where `make check` with these IMPL/BACKEND/LIBEVENT_PREFIX writes its results.
print-results:
	@echo $(RESULTS)

# ---- bevconf's own tests ----
# The system libevent is also plugged in through LIBEVENT_PREFIX: as a static archive, as
# a shared library (the two ways a user's own build arrives), and as a partial
# implementation (a static archive without listener.o, headers without the file-segment
# constants) whose missing functions and constants must turn into SKIPs, not a failed build.
LIBDIR = $(shell pkg-config --variable=libdir libevent)
INCDIR = $(shell pkg-config --variable=includedir libevent)
PREFIXES := $(abspath $(BUILD)/prefixes)
# run_logged LOG COMMAND: run, keep the output in LOG and show it, keep the exit status.
run_logged = $(2) >$(1) 2>&1; status=$$?; cat $(1); [ $$status -eq 0 ]

test:
	find $(BUILD) -name results.jsonl -delete 2>/dev/null || true
	$(MAKE) --no-print-directory selftest
	@for i in $(IMPLS_IN_TEST); do \
		for b in $$($(MAKE) -s print-backends IMPL=$$i); do \
			$(MAKE) --no-print-directory check IMPL=$$i BACKEND=$$b || exit 1; done; done
	@for i in $(IMPLS_IN_TEST); do $(MAKE) --no-print-directory e2e IMPL=$$i || exit 1; done
	$(MAKE) --no-print-directory test-prefixes
	$(MAKE) --no-print-directory test-install-ref
	@for i in $(IMPLS_IN_TEST); do $(MAKE) --no-print-directory check SANITIZE=1 IMPL=$$i || exit 1; done
	$(MAKE) --no-print-directory test-bad-input
	$(MAKE) --no-print-directory test-reports
	$(MAKE) --no-print-directory fuzz-test-oss
	$(MAKE) --no-print-directory fuzz-replay
	$(if $(wildcard impls/ref/impl.mk),$(MAKE) --no-print-directory mutants)
	@find $(BUILD) -name results.jsonl -exec cat {} + | awk ' \
		/"status":"PASS"/ { p++ } /"status":"SKIP"/ { s++ } \
		/"counts":true/ && !/"status":"(PASS|SKIP)"/ { f++ } \
		END { printf "bevconf: %d passed, %d failed, %d skipped\n", p, f, s }'

# Each mutants/ref/<name>.patch breaks one rule in a copy of ref's sources; the cases
# it names must pass on ref and fail on the mutant (MUTANTS=name... for some of them).
mutants:
	MAKE="$(MAKE)" tools/mutants.sh $(MUTANTS)

test-prefixes: impl-ok
	rm -rf $(PREFIXES) && mkdir -p $(PREFIXES)
	for p in static shared partial; do \
		mkdir -p $(PREFIXES)/$$p/include $(PREFIXES)/$$p/lib && \
		cp -r $(INCDIR)/event2 $(PREFIXES)/$$p/include/ || exit 1; done
	sed -i '/define EVBUF_FS_/d' $(PREFIXES)/partial/include/event2/buffer.h
	cp $(LIBDIR)/libevent.a $(PREFIXES)/static/lib/
	cp -P $(LIBDIR)/libevent.so $(LIBDIR)/libevent-2.1.so* $(PREFIXES)/shared/lib/
	cp $(LIBDIR)/libevent.a $(PREFIXES)/partial/lib/ && ar d $(PREFIXES)/partial/lib/libevent.a listener.o
	@$(call run_logged,$(PREFIXES)/static.log,$(MAKE) --no-print-directory check LIBEVENT_PREFIX=$(PREFIXES)/static)
	grep -q 'linked: statically' $(PREFIXES)/static.log
	$(MAKE) --no-print-directory selftest LIBEVENT_PREFIX=$(PREFIXES)/static
	@$(call run_logged,$(PREFIXES)/shared.log,$(MAKE) --no-print-directory check LIBEVENT_PREFIX=$(PREFIXES)/shared)
	grep -q 'linked: $(PREFIXES)/shared/lib/' $(PREFIXES)/shared.log
	$(MAKE) --no-print-directory selftest LIBEVENT_PREFIX=$(PREFIXES)/shared
	@$(call run_logged,$(PREFIXES)/partial.log,$(MAKE) --no-print-directory check LIBEVENT_PREFIX=$(PREFIXES)/partial)
	grep -q 'not implemented: evconnlistener_' $(PREFIXES)/partial.log
	grep -q 'does not compile against this implementation: cases/evbuffer_space.c' $(PREFIXES)/partial.log

# ref installed the way libevent installs itself, then run through LIBEVENT_PREFIX.
REF_PREFIX := $(PREFIXES)/ref
test-install-ref:
	rm -rf $(REF_PREFIX)
	$(MAKE) --no-print-directory install-ref PREFIX=$(REF_PREFIX)
	test -f $(REF_PREFIX)/include/event2/bufferevent.h -a -f $(REF_PREFIX)/lib/libevent_core.a
	PKG_CONFIG_PATH=$(REF_PREFIX)/lib/pkgconfig pkg-config --libs libevent | grep -q -- '-levent'
	@$(call run_logged,$(PREFIXES)/ref.log,$(MAKE) --no-print-directory check LIBEVENT_PREFIX=$(REF_PREFIX))
	grep -q 'linked: statically' $(PREFIXES)/ref.log

test-bad-input:
	tests/bad-input.sh

# ---- coverage, flakiness, speed ----
# make coverage: libevent 2.1.12 built from Debian's source package with gcov, the whole
# suite run against it under every backend (the normal LIBEVENT_PREFIX path), then line
# and branch coverage of the bufferevent files beside libevent's own regress suite.
COVERAGE := $(abspath $(BUILD)/coverage)
COVERAGE_SRC = $(shell cat $(COVERAGE)/libevent/.source-dir 2>/dev/null)
REGRESS_BASELINE := tools/coverage/regress-baseline.txt

$(COVERAGE)/libevent/.source-dir:
	CC=gcc CFLAGS="-O0 -g --coverage" impls/libevent/build-source.sh debian $(COVERAGE)/libevent --disable-shared

coverage: $(COVERAGE)/libevent/.source-dir
	find $(COVERAGE_SRC) -name '*.gcda' -delete
	@for b in epoll poll select; do \
		$(MAKE) --no-print-directory -s check LIBEVENT_PREFIX=$(COVERAGE)/libevent BACKEND=$$b \
			LDFLAGS=--coverage | tail -n 1; done
	python3 tools/coverage/report.py $(COVERAGE_SRC) $(REGRESS_BASELINE) $(COVERAGE)

# Re-measure the baseline: libevent's full regress suite on the same coverage build.
coverage-regress: $(COVERAGE)/libevent/.source-dir
	find $(COVERAGE_SRC) -name '*.gcda' -delete
	cd $(COVERAGE_SRC) && ./test/regress >$(COVERAGE)/regress.log 2>&1 || true
	python3 tools/coverage/report.py $(COVERAGE_SRC) /dev/null $(COVERAGE) $(REGRESS_BASELINE)

# make flaky N=100: rerun the suite N times per backend; list every case that changed status.
N ?= 20
flaky: build
	@for b in $(or $(BACKEND),$(IMPL_BACKENDS)); do \
		$(MAKE) -s flaky-one BACKEND=$$b || exit 1; done

flaky-one: build
	@echo "flaky: $(IMPL_BUILD_NAME) $(BACKEND), $(N) runs"
	@env $(IMPL_ENV_$(BACKEND)) tools/flaky.sh $(RUNNER) $(N) --impl $(IMPL_BUILD_NAME) --jobs $(CASE_JOBS) \
		--backend $(BACKEND) $(subst $(comma), ,$(CASES))

# make bench: the suite's wall time per implementation and backend (best and median), then
# loopback echo throughput and connection churn (tools/bench/) on ref and on libevent
# under each backend both have, best of BENCH_REPEAT runs of BENCH_SECONDS each, and the
# ratio ref / libevent.
REPEAT ?= 5
BENCH_REPEAT ?= 3
BENCH_SECONDS ?= 1
BENCH_BACKENDS := epoll poll
BENCH_PROGS = $(OUT)/bench-echo $(OUT)/bench-churn
bench:
	@printf '%-28s %-8s %10s %10s\n' implementation backend best median
	@for i in $(IMPLS); do $(MAKE) -s build IMPL=$$i >/dev/null || exit 1; \
		for b in $$($(MAKE) -s print-backends IMPL=$$i); do \
			$(MAKE) -s bench-one IMPL=$$i BACKEND=$$b || exit 1; done; done
	@echo
	@for i in ref libevent; do $(MAKE) -s bench-progs IMPL=$$i >/dev/null || exit 1; done
	@for b in $(BENCH_BACKENDS); do for i in ref libevent; do \
		$(MAKE) -s bench-io-one IMPL=$$i BACKEND=$$b || exit 1; done; done | tools/bench/ratio.sh

bench-one: build
	@JOBS=$(CASE_JOBS) tools/bench.sh $(REPEAT) $(IMPL_BUILD_NAME) $(BACKEND) $(RUNNER) $(IMPL_ENV_$(BACKEND))

$(OUT)/bench-%: $(OUT)/obj/tools/bench/%.o
	$(LINK) $< $(IMPL_LIBS) -o $@

bench-progs: impl-ok $(BENCH_PROGS)

bench-io-one: bench-progs
	@tools/bench/io.sh $(BENCH_REPEAT) $(BENCH_SECONDS) $(IMPL_BUILD_NAME) $(BACKEND) \
		$(OUT)/bench-echo $(OUT)/bench-churn $(IMPL_ENV_$(BACKEND))

# ---- reports (reports/README.md) ----
# make report: the suite on each implementation x backend (IMPLS=, BACKENDS=; default every
# built-in implementation and its backends), then the report rendered from the results
# files. Exit status 0 when every MUST case passes (or is a declared XFAIL) everywhere asked.
BACKENDS ?=
ORACLE ?= libevent
REPORT_DIR := $(BUILD)/report
report:
	@python3 reports/run.py --out $(REPORT_DIR) --impls "$(IMPLS)" --backends "$(BACKENDS)" \
		--oracle $(ORACLE)

report-diff:
	$(if $(and $(OLD),$(NEW)),,$(error bevconf: usage: make report-diff OLD=<report.json> NEW=<report.json>))
	@python3 reports/diff.py $(OLD) $(NEW)

# The report's own tests: fixture results -> report (contents, scores, statuses, JUnit),
# report-diff on fixture reports, the page in headless Chromium (screenshot kept).
test-reports:
	python3 reports/tests/run_tests.py $(BUILD)/report/test

# ---- setup ----
DEB_PACKAGES := build-essential pkg-config libevent-dev check clang libclang-rt-14-dev valgrind \
	dpkg-dev gcovr python3 chromium afl++
deps:
	@tools/deps.sh $(DEB_PACKAGES)

clean:
	rm -rf $(BUILD)

# Rules an implementation adds for the whole project (e.g. installing it).
-include $(wildcard impls/*/rules.mk)

# Fuzzing: targets, instrumented libevent builds, campaigns.
include fuzz/fuzz.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
