# bevconf: conformance suite for libevent-style bufferevent implementations.
#
# make builds; tools/bevconf.py runs. The commands people type are thin entries into it:
#   make check [IMPL=libevent] [BACKEND=epoll|poll|select] [LIBEVENT_PREFIX=dir] [CASES=prefix,...]
#   make list | test | report | report-diff | flaky | mutants | mutation | bench | coverage | valgrind | e2e
#   make fuzz ...                 fuzz/README.md
#   make deps                     install the Debian packages bevconf needs
# What is built for one implementation: `make build IMPL=<name> [OUT=dir]` (the runner),
# and the files named below. All build outputs go to build/.

CC ?= cc
CFLAGS ?= -O1 -g
LDFLAGS ?=
# The harness calls nothing undeclared (a missing prototype truncates a returned pointer);
# cases may (mk/compile-case.sh lets them: the link stubs what the library lacks).
WARNFLAGS := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror=implicit-function-declaration
BUILD := build

# SANITIZE=1: the harness and the cases under ASan + UBSan (clang).
SANITIZE ?=
ifeq ($(SANITIZE),1)
  CC := clang
  CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
endif

IMPL ?= libevent
IMPL_MK := impls/$(IMPL)/impl.mk
ifneq ($(wildcard $(IMPL_MK)),)
  include $(IMPL_MK)
else
  IMPL_ERROR := unknown IMPL=$(IMPL); see impls/impls.txt
endif
OUT ?= $(BUILD)/$(IMPL)

# What the implementation's headers provide of mk/api.txt: $(OUT)/gen/bc_have.h, from
# mk/probe.sh (a core item missing stops the build there, with one line). For any
# implementation but the system libevent (-DBC_SYSTEM_LIBEVENT, impls/libevent/impl.mk),
# no-host-headers/ stands in for every libevent header it lacks and stops the compile, so
# the host's /usr/include/event2 never fills the gap.
GEN := $(OUT)/gen
BC_HAVE := $(GEN)/bc_have.h
NO_HOST_HEADERS := $(if $(filter -DBC_SYSTEM_LIBEVENT,$(IMPL_CFLAGS)),,$(GEN)/no-host-headers)
IMPL_INCLUDE = $(IMPL_CFLAGS) $(if $(NO_HOST_HEADERS),-I$(NO_HOST_HEADERS))

CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm)
ALL_CFLAGS = -std=gnu11 $(CFLAGS) $(WARNFLAGS) -Iruntime -Irunner -Icases $(IMPL_INCLUDE) -I$(GEN) $(CHECK_CFLAGS) -MMD -MP
# -rdynamic exports the fault layer's libc wrappers so a shared libevent calls them too.
LINK = $(CC) $(CFLAGS) $(LDFLAGS) -rdynamic

RUNTIME_OBJ := $(patsubst %.c,$(OUT)/obj/%.o,$(wildcard runtime/*.c))
RUNNER_OBJ := $(RUNTIME_OBJ) $(patsubst %.c,$(OUT)/obj/%.o,$(wildcard runner/*.c cases/*.c))
RUNNER := $(OUT)/bevconf
# The runner again, over tests/runner_cases.def: cases that fail on purpose.
RUNNER_SELFTEST_OBJ := $(RUNTIME_OBJ) $(OUT)/obj/runner/record.o $(OUT)/obj/runner/preflight.o $(OUT)/obj/tests/runner.o \
	$(OUT)/obj/tests/runner_cases.o

.PHONY: all build impl-deps install-ref clean deps impl-ok
.DELETE_ON_ERROR:

all: build

# Bad configuration stops here with one line, before any compiler runs.
impl-ok:
	$(if $(IMPL_ERROR),$(error bevconf: $(IMPL_ERROR)))
	@:

build: impl-ok $(RUNNER)

# The implementation's own library alone (a libevent source tree: LIBEVENT_SRC).
impl-deps: impl-ok $(IMPL_DEPS)

$(BC_HAVE): $(GEN)/bc_have.stamp ;
$(GEN)/bc_have.stamp: mk/probe.sh mk/api.txt | impl-ok $(IMPL_DEPS)
	@mkdir -p $(@D)
	mk/probe.sh $(IMPL) $(BC_HAVE) $@ "$(NO_HOST_HEADERS)" -- $(CC) -std=gnu11 $(CFLAGS) $(IMPL_INCLUDE)

$(OUT)/obj/%.o: %.c | impl-ok $(IMPL_DEPS) $(BC_HAVE)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# A case that does not compile against the implementation SKIPs, naming the reason.
$(OUT)/obj/cases/%.o: cases/%.c mk/compile_case.py | impl-ok $(IMPL_DEPS) $(BC_HAVE)
	@mkdir -p $(@D)
	mk/compile-case.sh $< $@ $(CC) $(ALL_CFLAGS)

$(OUT)/obj/tests/runner.o: runner/runner.c | impl-ok $(BC_HAVE)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests -DBC_CASE_LIST='"runner_cases.def"' -c $< -o $@

# Relink when an implementation's own library (IMPL_DEPS) is rebuilt.
$(OUT)/bevconf $(OUT)/runner-selftest $(OUT)/fault-selftest: $(IMPL_DEPS)

$(RUNNER): $(RUNNER_OBJ) mk/link.sh
	mk/link.sh $@ $(OUT)/stubs "$(CC) $(CFLAGS)" -- $(LINK) $(RUNNER_OBJ) $(IMPL_LIBS) $(CHECK_LIBS) -ldl

$(OUT)/runner-selftest: $(RUNNER_SELFTEST_OBJ)
	$(LINK) $^ $(IMPL_LIBS) $(CHECK_LIBS) -ldl -o $@

$(OUT)/fault-selftest: $(OUT)/obj/tests/fault_selftest.o $(OUT)/obj/runtime/fault.o
	$(LINK) $^ $(IMPL_LIBS) $(CHECK_LIBS) -ldl -o $@

# libevent 2.1.12's own sample programs, built unchanged against the implementation (their
# sources come from Debian's source package at run time: tools/bevconf.py e2e). One that
# does not build is left out, and the e2e check reports it as SKIP. The host's headers are
# kept out as for the cases.
$(OUT)/samples/%: $(BUILD)/src/samples/libevent-2.1.12-stable/sample/%.c $(IMPL_DEPS) | $(BC_HAVE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(IMPL_INCLUDE) -w $< $(IMPL_LIBS) -o $@ 2>$@.log || rm -f $@

# Loopback echo throughput and connection churn (tools/bench/), for make bench.
$(OUT)/bench-%: $(OUT)/obj/tools/bench/%.o $(IMPL_DEPS)
	$(LINK) $< $(IMPL_LIBS) -o $@

DEB_PACKAGES := build-essential pkg-config libevent-dev check clang libclang-rt-14-dev valgrind \
	dpkg-dev gcovr python3 python3-yaml chromium afl++
deps:
	@tools/deps.sh $(DEB_PACKAGES)

clean:
	rm -rf $(BUILD)

# Rules an implementation adds for the whole project (e.g. installing it).
-include $(wildcard impls/*/rules.mk)

# Fuzzing: targets, instrumented libevent builds, campaigns.
include fuzz/fuzz.mk

# ---- what runs: tools/bevconf.py (make passes its command-line variables along) ----
RUN_COMMANDS := new-impl check list test report report-diff flaky mutants mutation bench coverage coverage-regress valgrind e2e \
	versions
.PHONY: $(RUN_COMMANDS)
$(RUN_COMMANDS):
	@python3 tools/bevconf.py $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
